import { readFileSync } from 'node:fs';
import { NO_OPERATOR_RULES, type OperatorRules, parseOperatorRules } from '@faultline/core';

export const CLASSIFIER_RULES_VARIABLE = 'FAULTLINE_CLASSIFIER_RULES';

/**
 * The operator's classifier rules, as the services read FAULTLINE_CLASSIFIER_RULES, but JSON only:
 * the reporter carries no YAML parser into the app. Given as an object (`classifierRules`), any
 * format the app parsed itself will do. A bad setting throws at createReporter, naming it: the app
 * starts with the reporter misconfigured otherwise, classifying without the operator's rules.
 */
export function reporterRules(given: unknown, env: NodeJS.ProcessEnv): OperatorRules {
  if (isCompiled(given)) return given;
  if (given !== undefined) return parsed(given, 'the classifierRules option');
  const setting = env[CLASSIFIER_RULES_VARIABLE]?.trim();
  if (!setting) return NO_OPERATOR_RULES;
  const inline = setting.startsWith('{');
  let text = setting;
  if (!inline)
    try {
      text = readFileSync(setting, 'utf8');
    } catch (error) {
      throw new Error(`${CLASSIFIER_RULES_VARIABLE}: cannot read ${setting} (${(error as Error).message})`);
    }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(
      `${CLASSIFIER_RULES_VARIABLE}: ${inline ? 'the inline value' : setting} is not JSON; the reporter ` +
        'reads JSON only: convert the YAML (e.g. `npx yaml --json < rules.yaml`), or parse it yourself ' +
        'and pass createReporter({ classifierRules })',
    );
  }
  return parsed(raw, `${CLASSIFIER_RULES_VARIABLE} (${inline ? 'inline JSON' : setting})`);
}

function isCompiled(v: unknown): v is OperatorRules {
  return typeof (v as OperatorRules | undefined)?.for === 'function';
}

function parsed(raw: unknown, source: string): OperatorRules {
  const result = parseOperatorRules(raw);
  if (result.ok) return result.rules;
  throw new Error(`${source}: ${result.problems.join('; ')}`);
}
