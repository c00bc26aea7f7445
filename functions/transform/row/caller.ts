/** Who called, from `identity.arn` (record-schema §4.3). */
export interface Caller {
  readonly name: string | undefined;
  readonly role: string | undefined;
}

const NO_CALLER: Caller = { name: undefined, role: undefined };

const callers = new Map<string, Caller>();

/** Memoised: a batch comes from few principals. */
export function parseCaller(arn: string | undefined): Caller {
  if (arn === undefined) return NO_CALLER;
  let caller = callers.get(arn);
  if (caller === undefined) {
    caller = callerOf(arn);
    if (callers.size < 10_000) callers.set(arn, caller);
  }
  return caller;
}

function callerOf(arn: string): Caller {
  const resource = arnResource(arn);
  if (resource === undefined) return NO_CALLER;
  if (resource === 'root') return { name: 'root', role: undefined };
  const slash = resource.indexOf('/');
  if (slash < 0) return NO_CALLER;
  const kind = resource.slice(0, slash);
  const rest = resource.slice(slash + 1);
  switch (kind) {
    case 'user':
    case 'federated-user':
      return { name: lastSegment(rest), role: undefined };
    case 'assumed-role': {
      // assumed-role/<role>/<session>; SSO roles (AWSReservedSSO_<set>_<hex>) keep the whole role name.
      const cut = rest.indexOf('/');
      if (cut < 0) return { name: undefined, role: rest || undefined };
      return { name: rest.slice(cut + 1) || undefined, role: rest.slice(0, cut) || undefined };
    }
    default:
      return NO_CALLER;
  }
}

function lastSegment(path: string): string | undefined {
  const segment = path.slice(path.lastIndexOf('/') + 1);
  return segment === '' ? undefined : segment;
}

/** The part after the fifth colon: arn:partition:service:region:account:<resource>. */
function arnResource(arn: string): string | undefined {
  let index = -1;
  for (let colons = 0; colons < 5; colons++) {
    index = arn.indexOf(':', index + 1);
    if (index < 0) return undefined;
  }
  return arn.slice(index + 1);
}
