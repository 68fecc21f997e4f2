import { Injectable } from '@nestjs/common';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';

import { DomainException } from '@mend/core';

/** zxcvbn scores 0–4; 3 is "safely unguessable: moderate protection from offline slow-hash attacks". */
export const MIN_PASSWORD_SCORE = 3;

export interface PasswordStrength {
  score: number;
  isAcceptable: boolean;
  warning: string | null;
  suggestions: string[];
}

/**
 * Strength, not composition (NIST SP 800-63B §5.1.1.2): a password is refused when zxcvbn-ts,
 * with its bundled common-password and English dictionaries (no network), estimates it can be
 * guessed easily. Levenshtein matching is off: it cost about a second per check here.
 */
@Injectable()
export class PasswordPolicy {
  private factory: ZxcvbnFactory | undefined;

  /**
   * The user's own words (email, name, clinic) count as guessable. `null` is "none": the request
   * validator lets an optional field through as null, and a default parameter covers only undefined.
   */
  assess(password: string, userInputs: readonly string[] | null = []): PasswordStrength {
    this.factory ??= new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    });
    const result = this.factory.check(password, (userInputs ?? []).flatMap(words));
    return {
      score: result.score,
      isAcceptable: result.score >= MIN_PASSWORD_SCORE,
      warning: result.feedback.warning || null,
      suggestions: result.feedback.suggestions,
    };
  }

  /** Throws a 400 naming `field` when the password is too easy to guess. */
  require(password: string, userInputs: string[] = [], field = 'password'): void {
    const strength = this.assess(password, userInputs);
    if (strength.isAcceptable) return;
    const advice = [strength.warning, ...strength.suggestions].filter(Boolean).join(' ');
    throw new DomainException('invalid', 'The password is too easy to guess', {
      errors: [{ field, message: `${field} is too easy to guess${advice ? `: ${advice}` : ''}` }],
    });
  }
}

function words(input: string): string[] {
  return [input, ...input.toLowerCase().split(/[^a-z0-9]+/)].filter((w) => w.length >= 3);
}
