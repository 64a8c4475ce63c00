import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadClassifierRules } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-classifier-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const GOOD = `rules:
  - name: acme-wallet
    match:
      provider: ^acme$
      code: ^wallet_empty$
    set:
      category: billing_quota
      reason: wallet_empty
  - name: acme-busy
    match: { status: [409, 423], message: 'try again later' }
    set: { category: server_error, reason: busy, retryable: true, severity: LOW }
`;

function refusal(setting: string): string {
  try {
    loadClassifierRules(setting);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the rules were accepted');
}

describe('FAULTLINE_CLASSIFIER_RULES names a YAML file of rules, or is the YAML itself', () => {
  it('reads a file', () => {
    expect(loadClassifierRules(file('good.yaml', GOOD)).names).toEqual(['acme-wallet', 'acme-busy']);
  });

  it('reads JSON, YAML’s subset', () => {
    const json = JSON.stringify({
      rules: [{ name: 'j', match: { code: 'x' }, set: { category: 'unknown', reason: 'x' } }],
    });
    expect(loadClassifierRules(file('rules.json', json)).names).toEqual(['j']);
  });

  it('takes a value that spans lines, or opens with `rules:` or `{`, as the YAML itself', () => {
    expect(loadClassifierRules(GOOD).names).toEqual(['acme-wallet', 'acme-busy']);
    expect(
      loadClassifierRules(
        '{rules: [{name: one, match: {status: 4xx}, set: {category: invalid_request, reason: x}}]}',
      ).names,
    ).toEqual(['one']);
  });

  it.each([[undefined], [''], ['  ']])('unset (%j) is no rules', (setting) => {
    expect(loadClassifierRules(setting).names).toEqual([]);
  });

  it('an empty file is no rules', () => {
    expect(loadClassifierRules(file('empty.yaml', '# nothing yet\n')).names).toEqual([]);
  });
});

describe('a bad rules file stops start-up naming the variable, the file, the rule and the field', () => {
  it('a rule with a bad field', () => {
    const path = file(
      'bad.yaml',
      `${GOOD}  - name: acme-typo\n    match: { message: wallet }\n    set: { category: billing, reason: wallet_empty }\n`,
    );
    expect(refusal(path)).toMatch(
      new RegExp(
        `FAULTLINE_CLASSIFIER_RULES: ${path}: rules\\[2\\] \\(acme-typo\\): set\\.category: .*billing_quota`,
      ),
    );
  });

  it('each bad rule, one line each', () => {
    const path = file(
      'two-bad.yaml',
      'rules:\n  - name: a\n    match: { message: "(" }\n    set: { category: unknown, reason: x }\n  - name: b\n    match: {}\n    set: { category: unknown, reason: x }\n',
    );
    const lines = refusal(path)
      .split('\n')
      .filter((l) => l.includes('FAULTLINE_CLASSIFIER_RULES'));
    expect(lines).toEqual([
      expect.stringMatching(/rules\[0\] \(a\): match\.message: not a regular expression/),
      expect.stringMatching(/rules\[1\] \(b\): match: name at least one of/),
    ]);
  });

  it('inline YAML is named as such', () => {
    expect(refusal('rules:\n  - name: x\n')).toMatch(
      /FAULTLINE_CLASSIFIER_RULES: inline YAML: rules\[0\] \(x\): match: /,
    );
  });

  it('a file that is not there', () => {
    expect(refusal(join(dir, 'missing.yaml'))).toMatch(
      /FAULTLINE_CLASSIFIER_RULES: .*missing\.yaml: cannot read the rules file \(no such file\)/,
    );
  });

  it('a file that is not YAML', () => {
    expect(refusal(file('broken.yaml', 'rules:\n  - name: [unclosed\n'))).toMatch(
      /FAULTLINE_CLASSIFIER_RULES: .*broken\.yaml: not YAML: /,
    );
  });
});
