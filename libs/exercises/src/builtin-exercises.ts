import type { ExerciseCategory } from './exercise.types.js';
import type { Cadence, CheckInForm, ChoiceOption, ExerciseMode, ScaleField, Scoring } from './form.types.js';

/**
 * The built-in library, drawn from the trust-repair pillars: talking about the breach, an agreed
 * repair plan with regular reviews, radical honesty, time together, caring for each other's
 * needs, writing instead of fighting, plus two measures (a daily trust pulse and the CSI-4).
 *
 * Built-ins live here and are synced into each clinic's tables on first use. To change one,
 * edit it AND raise its `version`: the sync adds that version next to the old one, new
 * assignments get it, existing assignments keep theirs. Keys never change once shipped.
 */
export interface BuiltinExercise {
  key: string;
  /** Catalog version of this built-in; becomes its exercise version in every clinic. */
  version: number;
  title: string;
  category: ExerciseCategory;
  mode: ExerciseMode;
  instructions: string;
  defaultCadence: Cadence;
  form: CheckInForm;
  scoring: Scoring | null;
}

function zeroToTen(
  key: string,
  label: string,
  minLabel: string,
  maxLabel: string,
  required = true,
  hint?: string,
): ScaleField {
  return { key, type: 'scale', label, ...(hint ? { hint } : {}), required, min: 0, max: 10, minLabel, maxLabel };
}

function options(...pairs: Array<[string, string]>): ChoiceOption[] {
  return pairs.map(([value, label]) => ({ value, label }));
}

const daily = (hour: number): Cadence => ({ type: 'recurring', rrule: `FREQ=DAILY;BYHOUR=${hour};BYMINUTE=0` });
const weekly = (day: string, hour: number, interval = 1): Cadence => ({
  type: 'recurring',
  rrule: `FREQ=WEEKLY;${interval > 1 ? `INTERVAL=${interval};` : ''}BYDAY=${day};BYHOUR=${hour};BYMINUTE=0`,
});
const once: Cadence = { type: 'once' };

const breachConversation: BuiltinExercise = {
  key: 'breach_conversation',
  version: 1,
  title: 'Talking about what happened',
  category: 'communication',
  mode: 'individual',
  instructions:
    'Set aside about an hour somewhere private, with phones put away, to talk about the breach of trust. ' +
    'Take turns: the partner who was hurt describes what happened for them and how it still feels, while the other listens without correcting or defending. ' +
    'Then the partner who broke the trust acknowledges the impact, apologises plainly and shares what was going on for them at the time — as an explanation, not an excuse. ' +
    'If either of you becomes overwhelmed, pause and agree on when you will pick the conversation up again. ' +
    'Afterwards, each of you fills in this check-in on your own.',
  defaultCadence: once,
  form: {
    fields: [
      { key: 'talk_happened', type: 'boolean', label: 'Did the conversation take place?', required: true },
      {
        key: 'role',
        type: 'choice',
        label: 'Which part did you mainly take in this conversation?',
        required: true,
        options: options(
          ['hurt', 'I was the one who was hurt'],
          ['repairing', 'I was the one who broke the trust'],
          ['both', 'A bit of both'],
        ),
      },
      zeroToTen('felt_heard', 'How heard did you feel?', 'Not heard at all', 'Completely heard'),
      zeroToTen('stayed_open', 'How well could you stay calm and open?', 'Not at all', 'Completely', false),
      { key: 'what_helped', type: 'text', label: 'What helped the conversation?', required: false, maxLength: 2000 },
      {
        key: 'still_unsaid',
        type: 'text',
        label: 'Is there anything you still need to say or to hear?',
        required: false,
        maxLength: 2000,
      },
    ],
  },
  scoring: null,
};

const repairPlan: BuiltinExercise = {
  key: 'repair_plan',
  version: 1,
  title: 'Our repair plan',
  category: 'repair_plan',
  mode: 'joint',
  instructions:
    'Sit down together and agree on what rebuilding trust will look like day to day. ' +
    'Each of you names what you need in order to feel safe again and what you are willing to offer — for example more openness about money, or a promise about what stays between the two of you. ' +
    'Where you disagree, explain why the point matters to you instead of giving in or digging in. ' +
    'Write down the expectations you both accept, the first concrete steps and when you will review how it is going. ' +
    'Submit one check-in together once you have a plan you can both stand behind.',
  defaultCadence: once,
  form: {
    fields: [
      {
        key: 'goal',
        type: 'text',
        label: 'In a sentence or two, what do you both want your relationship to feel like once trust is rebuilt?',
        required: true,
        maxLength: 1000,
      },
      {
        key: 'expectations',
        type: 'text',
        label: 'Which expectations have you agreed on?',
        required: true,
        maxLength: 3000,
      },
      {
        key: 'first_steps',
        type: 'text',
        label: 'What are the first concrete steps, and who does what?',
        required: true,
        maxLength: 2000,
      },
      {
        key: 'open_disagreements',
        type: 'text',
        label: 'Where do you still see things differently?',
        required: false,
        maxLength: 2000,
      },
      {
        key: 'focus_areas',
        type: 'multi',
        label: 'Which areas does the plan cover?',
        required: false,
        options: options(
          ['money', 'Money and spending'],
          ['confidences', "Keeping each other's confidences"],
          ['communication', 'How we talk to each other'],
          ['anger', 'How we handle anger and threats'],
          ['time_together', 'Time together'],
          ['intimacy', 'Affection and intimacy'],
          ['other', 'Something else'],
        ),
      },
      {
        key: 'review_after',
        type: 'choice',
        label: 'When will you next review the plan together?',
        required: true,
        options: options(['one_week', 'In a week'], ['two_weeks', 'In two weeks'], ['one_month', 'In a month']),
      },
      {
        key: 'both_agree',
        type: 'boolean',
        label: 'Do you both agree to give this plan an honest try?',
        required: true,
      },
    ],
  },
  scoring: null,
};

const planCheckIn: BuiltinExercise = {
  key: 'plan_check_in',
  version: 1,
  title: 'Is our plan working?',
  category: 'repair_plan',
  mode: 'individual',
  instructions:
    'Once a week, take a few quiet minutes on your own to notice how the repair plan is really going for you. ' +
    'Think of the moments this week when you felt more secure, and the moments when old worries came back. ' +
    'Be honest if your feelings have shifted or if part of the plan no longer fits — a plan is meant to be adjusted. ' +
    'If it is not working for you, say so here and bring it to your next talk together or to your therapist.',
  defaultCadence: weekly('SU', 19),
  form: {
    fields: [
      zeroToTen('plan_working', 'How well is the plan working for you right now?', 'Not at all', 'Very well'),
      {
        key: 'kept_commitments',
        type: 'choice',
        label: 'Did you keep your own side of the plan this week?',
        required: true,
        options: options(['fully', 'Fully'], ['mostly', 'Mostly'], ['partly', 'Partly'], ['not_really', 'Not really']),
      },
      {
        key: 'feelings_changed',
        type: 'choice',
        label: 'Compared with last week, how do you feel about the relationship?',
        required: true,
        options: options(['better', 'Better'], ['same', 'About the same'], ['worse', 'Worse']),
      },
      { key: 'helping', type: 'text', label: 'What helped this week?', required: false, maxLength: 2000 },
      { key: 'change_needed', type: 'text', label: 'What needs to change?', required: false, maxLength: 2000 },
      {
        key: 'want_to_revise',
        type: 'boolean',
        label: 'Would you like to sit down together and revise the plan?',
        required: true,
      },
    ],
  },
  scoring: null,
};

const honestyLog: BuiltinExercise = {
  key: 'honesty_log',
  version: 1,
  title: 'Honesty and openness log',
  category: 'honesty',
  mode: 'individual',
  instructions:
    'At the end of each day, note what you chose to share openly — a purchase, a plan, a conversation, a feeling — especially the small things that would be easy to leave out. ' +
    'When you are unsure whether your partner would want to know something, assume they would and tell them. ' +
    'If you held something back, write down what made it hard; noticing that is part of the work, not a failure. ' +
    'This log is for both of you: openness becomes a shared habit, whoever broke the trust.',
  defaultCadence: daily(21),
  form: {
    fields: [
      {
        key: 'shared_openly',
        type: 'boolean',
        label: 'Did you share something today that you could easily have kept to yourself?',
        required: true,
      },
      {
        key: 'topics',
        type: 'multi',
        label: 'What was it about?',
        required: false,
        options: options(
          ['money', 'Money'],
          ['plans', 'Plans or whereabouts'],
          ['contact', 'Contact with other people'],
          ['feelings', 'My feelings'],
          ['mistake', 'A mistake I made'],
          ['other', 'Something else'],
        ),
      },
      { key: 'held_back', type: 'boolean', label: 'Did you hold anything back today?', required: true },
      {
        key: 'what_made_it_hard',
        type: 'text',
        label: 'If so, what made it hard to share?',
        required: false,
        maxLength: 1500,
      },
      zeroToTen('comfort', 'How comfortable did being open feel today?', 'Very uncomfortable', 'Completely at ease'),
    ],
  },
  scoring: null,
};

const letterInsteadOfFight: BuiltinExercise = {
  key: 'letter_instead_of_fight',
  version: 1,
  title: 'Write it down instead of fighting',
  category: 'communication',
  mode: 'individual',
  instructions:
    'When a conversation starts to heat up, agree to stop talking and write instead. ' +
    'Take your time to put what you feel and what you need into a letter to your partner, using "I feel" and "I need" rather than accusations. ' +
    'Before you hand it over, read it again and soften anything written to wound. ' +
    'Then decide whether to give it to your partner now, read it together, or bring it to your next session.',
  defaultCadence: once,
  form: {
    fields: [
      {
        key: 'letter',
        type: 'text',
        label: 'Your letter',
        hint: 'Write to your partner directly, in your own words.',
        required: true,
        maxLength: 5000,
      },
      {
        key: 'feelings',
        type: 'multi',
        label: 'Which feelings are in this letter?',
        required: false,
        options: options(
          ['hurt', 'Hurt'],
          ['angry', 'Angry'],
          ['afraid', 'Afraid'],
          ['sad', 'Sad'],
          ['guilty', 'Guilty'],
          ['confused', 'Confused'],
          ['hopeful', 'Hopeful'],
          ['loving', 'Loving'],
        ),
      },
      zeroToTen(
        'calmer_after',
        'How calm do you feel now that you have written it?',
        'Not calm at all',
        'Completely calm',
      ),
      {
        key: 'next_step',
        type: 'choice',
        label: 'What would you like to do with this letter?',
        required: true,
        options: options(
          ['give', 'Give it to my partner'],
          ['read_together', 'Read it together'],
          ['session', 'Bring it to our next session'],
          ['keep', 'Keep it to myself for now'],
        ),
      },
    ],
  },
  scoring: null,
};

const deviceFreeDate: BuiltinExercise = {
  key: 'device_free_date',
  version: 1,
  title: 'Device-free time together',
  category: 'time_together',
  mode: 'joint',
  instructions:
    'Plan at least an hour together each week with phones, laptops and screens switched off and out of sight. ' +
    'Choose something you both enjoy, or something you loved doing before things got hard — a walk, cooking together, a game, an evening out. ' +
    "This time is not for working through the breach; it is for enjoying each other's company again. " +
    'Afterwards, fill in one check-in together.',
  defaultCadence: weekly('SA', 18),
  form: {
    fields: [
      { key: 'happened', type: 'boolean', label: 'Did you have your device-free time this week?', required: true },
      {
        key: 'activity',
        type: 'choice',
        label: 'What did you do?',
        required: false,
        options: options(
          ['walk', 'A walk or time outdoors'],
          ['meal', 'Cooked or ate out together'],
          ['outing', 'A date or outing'],
          ['night_in', 'A night in'],
          ['hobby', 'A shared hobby or game'],
          ['other', 'Something else'],
        ),
      },
      {
        key: 'devices_stayed_off',
        type: 'boolean',
        label: 'Did the devices stay off the whole time?',
        required: false,
      },
      zeroToTen('connection', 'How connected did you feel?', 'Not connected', 'Very connected', false),
      { key: 'highlight', type: 'text', label: 'A moment you both enjoyed', required: false, maxLength: 1000 },
    ],
  },
  scoring: null,
};

const caringGestures: BuiltinExercise = {
  key: 'caring_gestures',
  version: 1,
  title: 'Daily caring gestures',
  category: 'caring',
  mode: 'individual',
  instructions:
    'Each day, do at least one deliberate thing that shows your partner you are thinking of them: a long hug, taking over a chore, a kind message in the middle of the day, or a hand with something they are working on. ' +
    'Small, steady gestures rebuild a sense of safety more reliably than rare grand ones. ' +
    'Notice what your partner does for you too, and tell them when it lands. ' +
    "Record today's gestures below.",
  defaultCadence: daily(20),
  form: {
    fields: [
      {
        key: 'gestures_given',
        type: 'multi',
        label: 'What did you do for your partner today?',
        required: true,
        options: options(
          ['affection', 'Physical affection'],
          ['chore', 'Took on a chore or task'],
          ['words', 'Kind words or a message'],
          ['help', 'Helped with something they are working on'],
          ['attention', 'Gave them my full attention'],
          ['surprise', 'A small surprise'],
          ['none', 'Nothing today'],
        ),
      },
      {
        key: 'noticed_care',
        type: 'boolean',
        label: 'Did you notice something caring your partner did for you?',
        required: true,
      },
      zeroToTen('felt_cared_for', 'How cared for did you feel today?', 'Not at all', 'Deeply cared for'),
      {
        key: 'note',
        type: 'text',
        label: 'Anything you want to remember about today?',
        required: false,
        maxLength: 1000,
      },
    ],
  },
  scoring: null,
};

const listeningSupport: BuiltinExercise = {
  key: 'listening_support',
  version: 1,
  title: 'Listening when stress is high',
  category: 'support',
  mode: 'individual',
  instructions:
    'When your partner is under pressure — at work, with family, with money — offer them time to talk, and listen fully before you suggest anything. ' +
    'Ask what would help most: simply being heard, practical ideas, or taking something off their plate. ' +
    'Follow through on whatever you offer, however small. ' +
    'Once a week, look back on how you supported each other.',
  defaultCadence: weekly('WE', 20),
  form: {
    fields: [
      {
        key: 'partner_stressed',
        type: 'boolean',
        label: 'Was your partner under noticeable stress this week?',
        required: true,
      },
      zeroToTen(
        'listened_well',
        'How well did you listen without rushing to fix things?',
        'Not well',
        'Very well',
        false,
      ),
      {
        key: 'support_offered',
        type: 'multi',
        label: 'What support did you offer?',
        required: false,
        options: options(
          ['listened', 'Listened'],
          ['asked', 'Asked what would help'],
          ['took_task', 'Took something off their plate'],
          ['ideas', 'Offered practical ideas'],
          ['space', 'Gave them space when they asked'],
        ),
      },
      zeroToTen(
        'felt_supported',
        'When you were stressed, how supported did you feel by your partner?',
        'Not supported',
        'Fully supported',
      ),
      {
        key: 'note',
        type: 'text',
        label: 'Anything you would like your partner to know?',
        required: false,
        maxLength: 1500,
      },
    ],
  },
  scoring: null,
};

const trustPulse: BuiltinExercise = {
  key: 'trust_pulse',
  version: 1,
  title: 'Daily trust pulse',
  category: 'measure',
  mode: 'individual',
  instructions:
    'Take one minute each evening to rate how much you trust your partner today and how safe you felt with them. ' +
    'Go with your first honest answer: there are no right numbers, and ups and downs are expected. ' +
    'Your therapist reads these ratings; your partner sees them only if you choose to share a check-in. ' +
    'Over the weeks, the pattern says more than any single day.',
  defaultCadence: daily(20),
  form: {
    fields: [
      {
        ...zeroToTen('trust', 'How much do you trust your partner today?', 'No trust at all', 'Complete trust'),
        anchors: [
          { value: 0, label: 'No trust at all' },
          { value: 5, label: 'Unsure' },
          { value: 10, label: 'Complete trust' },
        ],
      },
      {
        ...zeroToTen(
          'safety',
          'How emotionally safe did you feel with your partner today?',
          'Not safe at all',
          'Completely safe',
        ),
        anchors: [
          { value: 0, label: 'Not safe at all' },
          { value: 5, label: 'Somewhat safe' },
          { value: 10, label: 'Completely safe' },
        ],
      },
      { key: 'note', type: 'text', label: "Anything behind today's numbers?", required: false, maxLength: 500 },
    ],
  },
  // The safety answer is watched (migration 1764781300000 adds the watch to clinics' stored copies).
  scoring: { kind: 'trust_pulse', field: 'trust', safetyField: 'safety' },
};

const AGREEMENT: Array<[number, string]> = [
  [0, 'Not at all'],
  [1, 'A little'],
  [2, 'Somewhat'],
  [3, 'Mostly'],
  [4, 'Almost completely'],
  [5, 'Completely'],
];

function labelled(key: string, label: string, points: Array<[number, string]>): ScaleField {
  return {
    key,
    type: 'scale',
    label,
    required: true,
    min: points[0][0],
    max: points[points.length - 1][0],
    minLabel: points[0][1],
    maxLabel: points[points.length - 1][1],
    anchors: points.map(([value, text]) => ({ value, label: text })),
  };
}

/** Items and response scales as published in Funk & Rogge (2007); scored 0–6 and 0–5, total 0–21. */
const csi4: BuiltinExercise = {
  key: 'csi4',
  version: 1,
  title: 'Couples Satisfaction Index (CSI-4)',
  category: 'measure',
  mode: 'individual',
  instructions:
    'This short questionnaire (Funk & Rogge, 2007) measures how satisfied you are with your relationship overall. ' +
    'Answer the four questions on your own, without talking them over with your partner first, thinking about how things are in general right now. ' +
    'It takes about a minute. ' +
    'Your therapist follows the total over time; a low score simply shows that things feel hard at the moment, which is worth knowing.',
  defaultCadence: weekly('SU', 18, 2),
  form: {
    fields: [
      labelled('happiness', 'Please indicate the degree of happiness, all things considered, of your relationship.', [
        [0, 'Extremely unhappy'],
        [1, 'Fairly unhappy'],
        [2, 'A little unhappy'],
        [3, 'Happy'],
        [4, 'Very happy'],
        [5, 'Extremely happy'],
        [6, 'Perfect'],
      ]),
      labelled('warm_comfortable', 'I have a warm and comfortable relationship with my partner.', [
        [0, 'Not at all true'],
        [1, 'A little true'],
        [2, 'Somewhat true'],
        [3, 'Mostly true'],
        [4, 'Almost completely true'],
        [5, 'Completely true'],
      ]),
      labelled('rewarding', 'How rewarding is your relationship with your partner?', AGREEMENT),
      labelled('satisfied', 'In general, how satisfied are you with your relationship?', AGREEMENT),
    ],
  },
  scoring: { kind: 'csi4' },
};

const rememberingUs: BuiltinExercise = {
  key: 'remembering_us',
  version: 1,
  title: 'Remembering what drew us together',
  category: 'time_together',
  mode: 'joint',
  instructions:
    'Spend an unhurried evening together looking back at the early days of your relationship — old photos, messages, places that meant something. ' +
    'Take turns telling each other what first drew you in, and one quality you still value in the other today. ' +
    'Keep the focus on appreciation; the hard conversations have their own time. ' +
    'Together, note one thing from back then that you would like to bring back.',
  defaultCadence: once,
  form: {
    fields: [
      { key: 'did_it', type: 'boolean', label: 'Did you spend this evening together?', required: true },
      zeroToTen('closeness', 'How close did you feel afterwards?', 'Not close', 'Very close', false),
      {
        key: 'bring_back',
        type: 'text',
        label: 'What would you like to bring back from your early days?',
        required: false,
        maxLength: 1000,
      },
    ],
  },
  scoring: null,
};

/**
 * The private safety check. The wording is calm and asks about what happened, not about how to
 * name it; it is assigned to one partner only (the other never learns it exists) and its answers
 * are never shared (see isSafetyScreen). Any answer indicating danger opens a safety concern.
 */
const safetyCheck: BuiltinExercise = {
  key: 'safety_check',
  version: 1,
  title: 'Safety check',
  category: 'support',
  mode: 'individual',
  instructions:
    'These questions are the same for everyone your therapist works with, and answering them takes a few minutes. ' +
    'Your answers go to your therapist only: your partner does not see them and is not told about this check-in. ' +
    'Answer on your own, at a time and on a device where you have privacy. ' +
    'There are no right or wrong answers, and you can skip anything that is not required. ' +
    'If you are in danger right now, call your local emergency number.',
  defaultCadence: once,
  form: {
    fields: [
      { key: 'safe_at_home', type: 'boolean', label: 'Do you feel safe at home at the moment?', required: true },
      {
        key: 'afraid',
        type: 'choice',
        label: 'In the last few months, have you felt afraid of your partner?',
        required: true,
        options: options(['never', 'No, never'], ['sometimes', 'Sometimes'], ['often', 'Often']),
      },
      {
        key: 'threatened',
        type: 'boolean',
        label:
          'In the last few months, has your partner threatened you, or threatened to hurt someone or something you care about?',
        required: true,
      },
      {
        key: 'hurt',
        type: 'boolean',
        label: 'In the last few months, has your partner pushed, grabbed, hit or hurt you in any way?',
        required: true,
      },
      {
        key: 'controlled',
        type: 'multi',
        label: 'Has your partner tried to control any of these?',
        hint: 'Choose any that apply, or leave it empty if none do.',
        required: false,
        options: options(
          ['money', 'Money or spending'],
          ['phone', 'Your phone, messages or accounts'],
          ['people', 'Who you see or talk to'],
          ['movements', 'Where you go'],
        ),
      },
      {
        key: 'talk_alone',
        type: 'boolean',
        label: 'Would you like to talk with your therapist on your own, without your partner?',
        required: true,
      },
      {
        key: 'anything_else',
        type: 'text',
        label: 'Is there anything else you would like your therapist to know?',
        required: false,
        maxLength: 2000,
      },
    ],
  },
  scoring: { kind: 'safety_screen' },
};

/** In display order; the sync inserts them in this order, so a clinic's list shows them so. */
export const BUILTIN_EXERCISES: readonly BuiltinExercise[] = [
  trustPulse,
  csi4,
  breachConversation,
  repairPlan,
  planCheckIn,
  honestyLog,
  letterInsteadOfFight,
  deviceFreeDate,
  caringGestures,
  listeningSupport,
  rememberingUs,
  safetyCheck,
];

export const BUILTIN_KEYS = BUILTIN_EXERCISES.map((b) => b.key);

export function builtinByKey(key: string): BuiltinExercise | undefined {
  return BUILTIN_EXERCISES.find((b) => b.key === key);
}
