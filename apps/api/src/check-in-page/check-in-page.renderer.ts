import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

import { templateFor, type CheckInPageModel } from '@mend/check-in-page';

import { CHECK_IN_VIEW } from './check-in-page.setup.js';

type ViewFunction = (page: unknown, data: object) => Promise<string>;

/** Renders a page model with the template engine @fastify/view holds (registered in configureApp). */
@Injectable()
export class CheckInPageRenderer {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  render(model: CheckInPageModel): Promise<string> {
    const instance = this.adapterHost.httpAdapter.getInstance() as Record<string, unknown>;
    const view = instance[CHECK_IN_VIEW] as ViewFunction | undefined;
    if (typeof view !== 'function')
      throw new Error('The check-in page view engine is not registered (configureApp registers it)');
    return view(templateFor(model), model);
  }
}
