import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

import { IS_PUBLIC, ROLES, SCOPES } from '@mend/auth';

const ROUTE_PATH = 'path';

/** Fails the boot if any route forgot to say who may call it (the guard would refuse it anyway). */
@Injectable()
export class AccessRulesCheck implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onApplicationBootstrap(): void {
    const missing: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance) continue;
      const proto = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const handler = (proto as Record<string, unknown>)[name] as object;
        if (Reflect.getMetadata(ROUTE_PATH, handler) === undefined) continue;
        const targets = [handler as () => void, wrapper.metatype as () => void];
        const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets);
        const roles = this.reflector.getAllAndOverride<unknown[]>(ROLES, targets);
        const scopes = this.reflector.getAllAndOverride<unknown[]>(SCOPES, targets);
        if (!isPublic && !roles?.length && !scopes?.length) missing.push(`${wrapper.name}.${name}`);
      }
    }
    if (missing.length)
      throw new Error(`Routes without an access rule (@Public, @Roles or @Scopes): ${missing.join(', ')}`);
  }
}
