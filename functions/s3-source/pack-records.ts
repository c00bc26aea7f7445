import { gzipSync } from 'node:zlib';
import { MAX_RECORD_BYTES } from '../transform/firehose/reingest.ts';

/**
 * Lines of one Bedrock log object → Firehose records of gzip NDJSON, the shape the transform reads as
 * "Bedrock logs from S3". A record holds at most RAW_RECORD_BYTES of NDJSON. Two limits set that size:
 * - the record itself: gzip grows incompressible input by at most ~0.03% plus an 18-byte header, so any
 *   record is under Firehose's 1,000 KiB whatever the data;
 * - the transform's answer for it: in content mode `full` the rows of a record are up to ~1.4× its logs, and
 *   that output record must stay under 1,000 KiB too, even when the content does not compress.
 * A single line longer than that goes alone if its gzip fits (its row is bounded by the content budget);
 * otherwise no Firehose record can carry it, and it is handed back to the caller, which reports it.
 */

/** 512 KiB of NDJSON: ~720 KiB of rows at worst, under the 1,000 KiB output record limit. */
export const RAW_RECORD_BYTES = 512 * 1024;

export type Packed =
  | { readonly kind: 'record'; readonly data: Buffer; readonly lines: number }
  | { readonly kind: 'too-large'; readonly line: number; readonly bytes: number };

export class RecordPacker {
  private parts: string[] = [];
  private bytes = 0;
  private readonly rawLimit: number;

  constructor(rawLimit = RAW_RECORD_BYTES) {
    this.rawLimit = rawLimit;
  }

  /** Adds one line (without its newline); returns the records it completed. */
  add(text: string, lineNumber: number): Packed[] {
    const size = Buffer.byteLength(text, 'utf8') + 1;
    const out: Packed[] = [];
    if (this.bytes > 0 && this.bytes + size > this.rawLimit) out.push(this.seal());
    if (size > this.rawLimit) {
      const data = gzipSync(Buffer.from(`${text}\n`, 'utf8'));
      out.push(
        data.length <= MAX_RECORD_BYTES
          ? { kind: 'record', data, lines: 1 }
          : { kind: 'too-large', line: lineNumber, bytes: size - 1 },
      );
      return out;
    }
    this.parts.push(text);
    this.bytes += size;
    return out;
  }

  /** The last, partly filled record, if any. */
  flush(): Packed[] {
    return this.bytes > 0 ? [this.seal()] : [];
  }

  private seal(): Packed {
    const lines = this.parts.length;
    const data = gzipSync(Buffer.from(`${this.parts.join('\n')}\n`, 'utf8'));
    this.parts = [];
    this.bytes = 0;
    return { kind: 'record', data, lines };
  }
}
