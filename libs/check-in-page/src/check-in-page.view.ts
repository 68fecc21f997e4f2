import { Eta } from 'eta';

import { PAGE_ASSETS } from './check-in-page.assets.js';
import type { FieldModel, GroupFieldModel } from './check-in-page.form.js';
import {
  FORM_TEMPLATE,
  GROUP_TEMPLATE,
  LANDING_TEMPLATE,
  LAYOUT_TEMPLATE,
  MESSAGE_TEMPLATE,
  TEXT_TEMPLATE,
} from './check-in-page.templates.js';

export interface PageLayout {
  lang: string;
  /** Generic on purpose: no exercise title, name or clinical word. */
  title: string;
  /** Shown in the header bar (the clinic's name), or nothing. */
  brand: string | null;
  css: string;
  js: string;
  icon: string;
}

export interface LandingModel {
  template: 'landing';
  layout: PageLayout;
  clinicName: string;
  lead: string;
  action: string;
  button: string;
  personal: string;
}

export interface FormModel {
  template: 'form';
  layout: PageLayout;
  heading: string;
  due: string;
  therapistNote: { heading: string; paragraphs: string[] } | null;
  about: { heading: string; paragraphs: string[] };
  action: string;
  csrfField: string;
  csrf: string;
  fields: FieldModel[];
  visibility: { field: GroupFieldModel | null; solo: string };
  submit: string;
  optionalLabel: string;
  errorPrefix: string;
  errorSummary: { heading: string; items: Array<{ href: string; text: string }> } | null;
}

export interface MessageModel {
  template: 'message';
  layout: PageLayout;
  heading: string;
  paragraphs: string[];
  /** Announced as a status (the confirmation after sending). */
  isStatus: boolean;
}

export type CheckInPageModel = LandingModel | FormModel | MessageModel;

/** The one engine: what @fastify/view renders with, and what the unit tests render with. */
export const checkInEta = new Eta({
  autoEscape: true,
  autoTrim: [false, 'nl'],
  varName: 'it',
  useWith: false,
  cache: true,
});
checkInEta.loadTemplate('@layout', LAYOUT_TEMPLATE);
checkInEta.loadTemplate('@group', GROUP_TEMPLATE);
checkInEta.loadTemplate('@text', TEXT_TEMPLATE);

/** A compiled template: called with the engine as `this` (which is how @fastify/view calls a template function). */
export type CompiledCheckInTemplate = (this: Eta, data: object, options?: object) => string;

export const CHECK_IN_TEMPLATES: Readonly<Record<CheckInPageModel['template'], CompiledCheckInTemplate>> =
  Object.freeze({
    landing: checkInEta.compile(LANDING_TEMPLATE) as CompiledCheckInTemplate,
    form: checkInEta.compile(FORM_TEMPLATE) as CompiledCheckInTemplate,
    message: checkInEta.compile(MESSAGE_TEMPLATE) as CompiledCheckInTemplate,
  });

export function templateFor(model: CheckInPageModel): CompiledCheckInTemplate {
  return CHECK_IN_TEMPLATES[model.template];
}

/** Renders without Fastify (unit tests; the same engine and templates as the HTTP path). */
export function renderCheckInPage(model: CheckInPageModel): string {
  return templateFor(model).call(checkInEta, model, {});
}

/** Asset URLs under the page path, e.g. `/check-in/assets/page-<hash>.css`. */
export function assetUrls(assetBase: string): Pick<PageLayout, 'css' | 'js' | 'icon'> {
  return {
    css: `${assetBase}/${PAGE_ASSETS.css.name}`,
    js: `${assetBase}/${PAGE_ASSETS.js.name}`,
    icon: `${assetBase}/${PAGE_ASSETS.icon.name}`,
  };
}

// One rule for the page and the web app's in-app check-in.
export { paragraphsOf } from '@mend/check-in-form';
