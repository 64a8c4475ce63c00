import type { Rule } from '../rule.ts';
import { credentialRule, permissionRule, unauthorizedRule } from './authentication.ts';
import { billingRule } from './billing.ts';
import { catalogueRule } from './catalogue.ts';
import { modelRule } from './model.ts';
import { abortRule, networkRule, ownUpstreamRule, undecodableRule } from './network.ts';
import { rateLimitRule } from './rate-limit.ts';
import { invalidRequestRule } from './request.ts';
import { overloadedRule, serverRule } from './server.ts';

/**
 * The label rules of shared/corpus/README.md in their order: the first that matches wins, so money beats
 * a 429, a bad key beats a 400, a model beats a 403, and the status code only decides when nothing else does.
 */
export const RULES: readonly Rule[] = [
  billingRule,
  credentialRule,
  catalogueRule,
  modelRule,
  unauthorizedRule,
  permissionRule,
  overloadedRule,
  rateLimitRule,
  ownUpstreamRule,
  serverRule,
  undecodableRule,
  abortRule,
  networkRule,
  invalidRequestRule,
];
