import { readFileSync } from 'node:fs';
import { NO_OPERATOR_RULES, type OperatorRules, parseOperatorRules } from '@faultline/core';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './config.ts';

export const CLASSIFIER_RULES_VARIABLE = 'FAULTLINE_CLASSIFIER_RULES';

// A path never spans lines nor opens with `rules:` or `{`: such a value is the YAML itself (a
// Kubernetes env value or a one-off `FAULTLINE_CLASSIFIER_RULES='{rules: [...]}' faultline classify`).
const INLINE = /\n|^\s*(?:rules\s*:|\{)/;

/**
 * The operator's classifier rules from FAULTLINE_CLASSIFIER_RULES: the path of a YAML (or JSON) file,
 * or the YAML itself. Unset is no rules. A file that cannot be read, is not YAML, or holds a bad rule
 * stops start-up (ConfigError, exit 3) with one line per problem, naming the rule and the field.
 */
export function loadClassifierRules(setting: string | undefined): OperatorRules {
  if (!setting?.trim()) return NO_OPERATOR_RULES;
  const inline = INLINE.test(setting);
  const source = inline ? 'inline YAML' : setting;
  const refuse = (messages: string[]) =>
    new ConfigError(
      messages.map((m) => ({ variable: CLASSIFIER_RULES_VARIABLE, message: `${source}: ${m}` })),
    );
  let text: string;
  try {
    text = inline ? setting : readFileSync(setting, 'utf8');
  } catch (error) {
    const why =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw refuse([`cannot read the rules file (${why}); give the path of a YAML file of rules`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw refuse([`not YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  const parsed = parseOperatorRules(raw);
  if (!parsed.ok) throw refuse(parsed.problems);
  return parsed.rules;
}
