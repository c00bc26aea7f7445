import type {
  DataProcessorBindOptions,
  DataProcessorConfig,
  DataProcessorProps,
  IDataProcessor,
} from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { ProcessorParameters } from '../defaults.ts';

/**
 * A Lambda processor whose parameters are rendered exactly as given. `LambdaFunctionProcessor` drops
 * `NumberOfRetries: 0`, throws on sub-MiB buffers (`Size.toMebibytes`) and grants `lambda:InvokeFunction`
 * on `<fn>:*` as well; the delivery stream construct grants invoke on the function itself instead.
 */
export class LambdaProcessor implements IDataProcessor {
  /** Empty: every parameter comes from `parameters` in `bind`. */
  readonly props: DataProcessorProps = {};
  private readonly fn: IFunction;
  private readonly parameters: ProcessorParameters;

  constructor(fn: IFunction, parameters: ProcessorParameters) {
    this.fn = fn;
    this.parameters = parameters;
  }

  bind(_scope: Construct, _options: DataProcessorBindOptions): DataProcessorConfig {
    const identifier = { parameterName: 'LambdaArn', parameterValue: this.fn.functionArn };
    return {
      processorType: 'Lambda',
      processorIdentifier: identifier,
      parameters: [
        identifier,
        ...Object.entries(this.parameters).map(([parameterName, parameterValue]) => ({
          parameterName,
          parameterValue,
        })),
      ],
    };
  }
}
