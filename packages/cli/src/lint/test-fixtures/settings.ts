import { lintDefaults } from '../lint.js';
import type { RuleSettings } from '../rules/context.js';

/** The rule settings `lint` resolves from no options, for the rules' unit tests. */
export const DEFAULT_RULE_SETTINGS: RuleSettings = {
  bootSeconds: () => undefined,
  drainSeconds: undefined,
  slowBootHintSeconds: lintDefaults.slowBootHintSeconds,
  minLivenessToleranceSeconds: lintDefaults.minLivenessToleranceSeconds,
  kubeVersion: undefined,
  selectedByService: undefined,
  stopSignals: undefined,
};
