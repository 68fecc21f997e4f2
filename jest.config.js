/**
 * Three projects: unit specs beside the code, integration/e2e suites under test/.
 * ESM throughout (Nest 12 is ESM-only); @swc/jest transpiles with decorator metadata for DI.
 * Type checking is a separate `tsc --noEmit` step in `npm test`.
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const libs = [
  'config',
  'core',
  'database',
  'queue',
  'audit',
  'identity',
  'auth',
  'mail',
  'couples',
  'exercises',
  'homework',
  'sessions',
  'progress',
  'reminders',
  'check-in-page',
  'check-in-form',
  'integrations',
  'testing',
];
const moduleNameMapper = {
  '^(\\.{1,2}/.*)\\.js$': '$1',
  // @fastify/static imports content-disposition 3 (ESM-only), which jest's VM modules cannot require.
  '^content-disposition$': 'content-disposition-cjs',
  ...Object.fromEntries(libs.map((lib) => [`^@mend/${lib}$`, `<rootDir>/libs/${lib}/src/index.ts`])),
};

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testEnvironment: 'node',
};

/**
 * The time-sensitive suites run again with the product's clock pinned to instants where local
 * dates and UTC dates disagree or a zone changes its offset (test/support suiteClock): partners in
 * New York, Berlin, Sydney and Kolkata must see the same behaviour at every hour.
 */
export const PINNED_INSTANTS = [
  { label: '00:30 UTC', at: '2027-02-10T00:30:00Z' },
  { label: '04:59 UTC', at: '2027-02-10T04:59:00Z' },
  { label: '23:30 UTC on 31 December', at: '2027-12-31T23:30:00Z' },
  { label: "New York's spring change", at: '2027-03-14T06:30:00Z' },
  { label: "Berlin's spring change", at: '2027-03-28T00:30:00Z' },
  { label: "New York's repeated hour", at: '2027-11-07T05:30:00Z' },
  { label: "Sydney's autumn change", at: '2027-04-04T15:30:00Z' },
];
const TIME_SENSITIVE = [
  'homework',
  'story',
  'reminders',
  'integrations-calendar',
  'progress',
  'check-in-page',
  'time-zones',
  'repair-plan-reminders',
].map((name) => `<rootDir>/test/${name}.e2e-spec.ts`);

const e2e = {
  ...common,
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    { ...e2e, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
    ...PINNED_INSTANTS.map(({ label, at }) => ({
      ...e2e,
      displayName: `pinned ${label}`,
      testMatch: TIME_SENSITIVE,
      globals: { MEND_PINNED_AT: at },
    })),
  ],
  // A global option (jest ignores it inside a project): hooks that start apps and workers get
  // room on a loaded 2-core machine; a hung test still fails within a minute.
  testTimeout: 60000,
  // Two test files at a time on the 2-core CI machine: most of an e2e file's wall time is spent
  // waiting (delayed jobs coming due, a worker process starting, a browser rendering), so a second
  // file fills it. Every file has its own database, Redis prefix or private servers and free ports.
  maxWorkers: 2,
  // Each e2e file loads the whole Nest app into a fresh VM-module registry, and V8 does not give all
  // of it back: a worker that ran many files grew past the 4 GB heap. Recycle a worker between
  // files once it holds more than this.
  workerIdleMemoryLimit: '1200MB',
};
