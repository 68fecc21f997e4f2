import type { CheckInForm } from '@mend/exercises';

import { PAGE_ASSETS, pageAsset } from './check-in-page.assets.js';
import { fieldModels, type GroupFieldModel } from './check-in-page.form.js';
import {
  catalogLocale,
  CHECK_IN_MESSAGES,
  firstName,
  format,
  localeFromAcceptLanguage,
  messagesFor,
} from './check-in-page.messages.js';
import { assetUrls, paragraphsOf, renderCheckInPage, type FormModel, type PageLayout } from './check-in-page.view.js';

const EVIL = `"><script>alert(1)</script><img src=x onerror=alert(2)>'&`;
const ESCAPED = '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&#39;&amp;';
const m = messagesFor('en');
const layout = (title = 'Check-in', brand: string | null = EVIL): PageLayout => ({
  lang: 'en',
  title,
  brand,
  ...assetUrls('/check-in/assets'),
});

const FORM: CheckInForm = {
  fields: [
    {
      key: 'trust',
      type: 'scale',
      label: EVIL,
      hint: EVIL,
      required: true,
      min: 0,
      max: 10,
      anchors: [{ value: 0, label: EVIL }],
    },
    { key: 'mood', type: 'choice', label: 'Mood', required: false, options: [{ value: 'calm', label: EVIL }] },
    { key: 'note', type: 'text', label: EVIL, required: false, maxLength: 300 },
  ],
};

function formModel(posted: Record<string, string> | null, errors = new Map<string, string>()): FormModel {
  const visibility: GroupFieldModel = {
    kind: 'group',
    key: 'visibility',
    inputType: 'radio',
    layout: 'list',
    name: 'visibility',
    firstId: 'f-visibility',
    legend: m.form.visibilityLegend,
    hints: [format(m.form.visibilityHint, { partner: EVIL })],
    hintId: 'f-visibility-hint',
    isOptional: false,
    error: null,
    errorId: 'f-visibility-error',
    options: [
      { id: 'f-visibility', value: 'private', label: m.form.visibilityPrivate, isChecked: true },
      {
        id: 'f-visibility-1',
        value: 'shared',
        label: format(m.form.visibilityShared, { partner: EVIL }),
        isChecked: false,
      },
    ],
  };
  const fields = fieldModels(FORM, posted, errors, m);
  return {
    template: 'form',
    layout: layout(errors.size ? m.titles.error : m.titles.page),
    heading: EVIL,
    due: format(m.form.due, { date: EVIL }),
    therapistNote: { heading: m.form.therapistNote, paragraphs: [EVIL] },
    about: { heading: m.form.aboutExercise, paragraphs: paragraphsOf(`${EVIL}\n\nSecond`) },
    action: '/check-in',
    csrfField: 'csrf',
    csrf: 'csrf-token-value',
    fields,
    visibility: { field: visibility, solo: m.form.visibilitySolo },
    submit: m.form.submit,
    optionalLabel: m.form.optional,
    errorPrefix: m.errors.prefix,
    errorSummary: errors.size
      ? {
          heading: m.errors.summaryHeading,
          items: [...errors].map(([key, message]) => ({
            href: `#f-${key}`,
            text: format(m.errors.summaryItem, { question: EVIL, message }),
          })),
        }
      : null,
  };
}

/** What the page's CSP (no inline script or style) would block, and markup that must not appear. */
function expectCspClean(html: string): void {
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(html).not.toMatch(/<[^>]*\sstyle=/);
  expect(html).not.toMatch(/<[^>]*\son[a-z]+=/);
  expect(html).not.toMatch(/<img|<iframe|<object|https?:\/\//);
}

describe('rendering the check-in page', () => {
  it('escapes everything that comes from data: titles, labels, hints, options, notes, names, the clinic', () => {
    const html = renderCheckInPage(formModel(null));
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).not.toContain('<img src=x');
    expect(html.split(ESCAPED).length - 1).toBeGreaterThanOrEqual(10);
    expectCspClean(html);
  });

  it('keeps a posted text answer inside its textarea, escaped, even one that tries to close it', () => {
    const html = renderCheckInPage(formModel({ a_note: `</textarea>${EVIL}\nsecond line` }));
    expect(html).toContain(
      `maxlength="300" aria-describedby="f-note-hint">\n&lt;/textarea&gt;${ESCAPED}\nsecond line</textarea>`,
    );
    expect(html.match(/<\/textarea>/g)).toHaveLength(1);
  });

  it('keeps posted values that are not options from turning into markup or checked boxes', () => {
    const html = renderCheckInPage(formModel({ a_trust: `3" checked data-x="`, a_mood: 'calm' }));
    expect(html).not.toContain('data-x');
    expect(html.match(/ checked>/g)).toHaveLength(2); // mood "calm" and the preselected visibility
  });

  it('sets the language, a generic title, the hashed assets from this origin, and nothing inline', () => {
    const html = renderCheckInPage(formModel(null));
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain('<title>Check-in</title>');
    expect(html).toContain(`<link rel="stylesheet" href="/check-in/assets/${PAGE_ASSETS.css.name}">`);
    expect(html).toContain(`<script src="/check-in/assets/${PAGE_ASSETS.js.name}" defer></script>`);
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
    expect(html).toContain('<input type="hidden" name="csrf" value="csrf-token-value">');
    expect(html).toContain('<form method="post" action="/check-in" novalidate data-once>');
  });

  it('ties hints and errors to their fields, and puts a focusable error summary first', () => {
    const html = renderCheckInPage(formModel({}, new Map([['trust', 'Choose a number from 0 to 10']])));
    expect(html).toContain('<title>Error: Check-in</title>');
    expect(html.indexOf('id="error-summary"')).toBeLessThan(html.indexOf('<h1>'));
    expect(html).toContain(
      '<div class="error-summary" id="error-summary" tabindex="-1" autofocus aria-labelledby="error-summary-title">',
    );
    expect(html).toContain('<fieldset aria-describedby="f-trust-hint f-trust-error">');
    expect(html).toContain(
      '<p class="err" id="f-trust-error"><span class="vh">Error:</span> Choose a number from 0 to 10</p>',
    );
    expect(html).toContain(
      '<textarea id="f-note" name="a_note" rows="6" maxlength="300" aria-describedby="f-note-hint">',
    );
  });

  it('renders the landing without an action (posting back to the link itself, so the token is not repeated) and messages with an optional status role', () => {
    const landing = renderCheckInPage({
      template: 'landing',
      layout: layout('Check-in', null),
      clinicName: EVIL,
      lead: m.landing.lead,
      action: '',
      button: m.landing.continue,
      personal: m.landing.personal,
    });
    expect(landing).toContain('<form method="post" data-once>');
    expect(landing).toContain(`<h1>${ESCAPED}</h1>`);
    expect(landing).not.toContain('class="brand"');
    expectCspClean(landing);
    const sent = renderCheckInPage({
      template: 'message',
      layout: layout(m.titles.sent),
      heading: m.sent.heading,
      paragraphs: [m.sent.private],
      isStatus: true,
    });
    expect(sent).toMatch(/<div class="message panel" role="status">\s*<h1>Thank you. Your check-in was sent.<\/h1>/);
    const gone = renderCheckInPage({
      template: 'message',
      layout: layout(m.titles.unavailable, null),
      heading: m.unavailable.heading,
      paragraphs: [m.unavailable.body],
      isStatus: false,
    });
    expect(gone).not.toContain('role="status"');
  });
});

describe('assets', () => {
  it('are small, hashed, and found by name only', () => {
    expect(PAGE_ASSETS.css.name).toMatch(/^page-[0-9a-f]{12}\.css$/);
    expect(PAGE_ASSETS.css.body.length + PAGE_ASSETS.js.body.length + PAGE_ASSETS.icon.body.length).toBeLessThan(
      10 * 1024,
    );
    expect(pageAsset(PAGE_ASSETS.js.name)).toBe(PAGE_ASSETS.js);
    expect(pageAsset('../package.json')).toBeUndefined();
    expect(PAGE_ASSETS.css.body.toString()).not.toMatch(/url\(|@import|position:\s*(fixed|sticky)/);
    expect(PAGE_ASSETS.js.body.toString()).not.toMatch(/localStorage|sessionStorage|fetch\(|XMLHttpRequest/);
  });
});

describe('message catalog', () => {
  it('has every message in every locale', () => {
    const shape = (value: unknown): unknown =>
      typeof value === 'object' && value
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]))
        : typeof value;
    for (const locale of Object.keys(CHECK_IN_MESSAGES))
      expect(shape(CHECK_IN_MESSAGES[locale])).toEqual(shape(CHECK_IN_MESSAGES.en));
  });

  it('falls back to English for unknown locales and browsers', () => {
    expect(catalogLocale('en-GB')).toBe('en');
    expect(catalogLocale('xx')).toBe('en');
    expect(catalogLocale(null)).toBe('en');
    expect(localeFromAcceptLanguage('xx-YY,en;q=0.5')).toBe('en');
    expect(localeFromAcceptLanguage(undefined)).toBe('en');
  });

  it('keeps titles free of names, exercise words and clinical words', () => {
    for (const title of Object.values(m.titles))
      expect(title).not.toMatch(/\{|trust|therap|couple|partner|pulse|letter/i);
  });

  it('fills placeholders and takes first names only', () => {
    expect(format('Hi {name}, {missing}', { name: 'Sam' })).toBe('Hi Sam, {missing}');
    expect(firstName('  Sam Okafor ')).toBe('Sam');
    expect(paragraphsOf('a\nb\n\n\nc')).toEqual(['a b', 'c']);
  });
});
