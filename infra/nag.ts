import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledge one cdk-nag AwsSolutions finding on a construct, with the reason next to the code it excuses.
 * The id is plugin-qualified (`AwsSolutions::<rule>`), as cdk-nag 3 prints it.
 */
export function acknowledgeNag(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason });
}

/**
 * Acknowledge cdk-nag's AwsSolutions-IAM5 finding for each wildcard resource of a statement, by the finding id
 * cdk-nag 3 prints (`Resource::<Logical.Arn>/prefix/*`). One call per statement keeps the reason next to it.
 */
export function acknowledgeWildcardResources(
  scope: IConstruct,
  resources: readonly string[],
  reason: string,
): void {
  const stack = Stack.of(scope);
  for (const resource of resources) {
    const flat = flattenReference(stack.resolve(resource));
    if (flat.includes('*')) acknowledgeNag(scope, `AwsSolutions-IAM5[Resource::${flat}]`, reason);
  }
}

/** A resolved CloudFormation value as one string: `Fn::GetAtt` → `<Id.Attr>`, `Ref` → `<Id>`, joins joined. */
export function flattenReference(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const join = record['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, parts] = join as [string, unknown[]];
      return parts.map(flattenReference).join(delimiter);
    }
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.map(String).join('.')}>`;
    if (typeof record['Ref'] === 'string') return `<${record['Ref']}>`;
  }
  return JSON.stringify(value);
}
