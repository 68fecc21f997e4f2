import { Injectable, type PipeTransform } from '@nestjs/common';

import { DomainException, isUuid } from '@mend/core';

/** A malformed id is simply an id that does not exist: 404, like another clinic's id. */
@Injectable()
export class ResourceIdPipe implements PipeTransform<string, string> {
  constructor(private readonly resource = 'Resource') {}

  transform(value: string): string {
    if (!isUuid(value)) throw DomainException.notFound(this.resource);
    return value.toLowerCase();
  }
}
