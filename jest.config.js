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

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
  // A global option (jest ignores it inside a project): hooks that start apps and workers get
  // room on a loaded 2-core machine; a hung test still fails within a minute.
  testTimeout: 60000,
};
