/**
 * The bytes of one input as a stream: a file, or stdin for `-`, gunzipped when the
 * bytes say gzip (not the name). A head can be peeked for detection and is then
 * replayed, so nothing is read twice and stdin works like a file.
 */
import * as NodeStream from "@effect/platform-node/NodeStream"
import { Effect, FileSystem, Pull, type Scope, Stream } from "effect"
import { createGunzip } from "node:zlib"
import { InputError } from "../domain.ts"

export const STDIN = "-"

/** How an input is named in messages and in `Paper.sourceFile`. */
export const displayName = (file: string): string => (file === STDIN ? "<stdin>" : file)

/** Read size: large enough that per-chunk overhead vanishes, small enough to be nothing in memory. */
const CHUNK_BYTES = 256 * 1024

/**
 * The largest file read whole (hf-json, arxiv-atom, csv, hf-page). V8 cannot hold
 * a string longer than 2^29 - 24 characters (about 512 M); a document that size is
 * far past any API response, and line formats have no limit at all.
 */
export const MAX_DOCUMENT_BYTES = 500 * 1024 * 1024

const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

const readError = (file: string) => (cause: unknown): InputError =>
  new InputError({ file, reason: `cannot read the file (${messageOf(cause)})`, hint: "Check that it exists and that you may read it." })

/** The raw bytes of a file, or of stdin for `-`. A missing file or a directory is the user's to fix. */
export const openBytes = Effect.fnUntraced(function*(
  file: string
): Effect.fn.Return<Stream.Stream<Uint8Array, InputError>, InputError, FileSystem.FileSystem> {
  if (file === STDIN) {
    return NodeStream.fromReadable<Uint8Array, InputError>({
      evaluate: () => process.stdin,
      onError: readError(displayName(file)),
      closeOnDone: false
    })
  }
  const fs = yield* FileSystem.FileSystem
  const info = yield* fs.stat(file).pipe(
    Effect.mapError((error) =>
      error.reason._tag === "NotFound"
        ? new InputError({ file, reason: "no such file", hint: "Check the path; run `ls` on it." })
        : readError(file)(error)
    )
  )
  if (info.type === "Directory") {
    return yield* new InputError({ file, reason: "this is a directory, not a dump file", hint: "Pass the files inside it." })
  }
  return fs.stream(file, { chunkSize: CHUNK_BYTES }).pipe(Stream.mapError(readError(file)))
})

export const gunzip = (bytes: Stream.Stream<Uint8Array, InputError>, file: string): Stream.Stream<Uint8Array, InputError> =>
  NodeStream.pipeThroughDuplex(bytes, {
    evaluate: () => createGunzip(),
    onError: (cause) =>
      new InputError({
        file,
        reason: `the file starts like gzip but cannot be decompressed (${messageOf(cause)})`,
        hint: "The .gz file is damaged or cut off; download it again, or pass the uncompressed file."
      })
  })

export interface Peeked {
  /** At least `minBytes` from the start, or all there is. */
  readonly head: Uint8Array
  /** Whether `head` is the whole input. */
  readonly complete: boolean
  /** The whole input again, head included. */
  readonly bytes: Stream.Stream<Uint8Array, InputError>
}

/** Reads the first `minBytes` of a stream and gives back the whole stream. Valid within the scope. */
export const peek = Effect.fnUntraced(function*(
  bytes: Stream.Stream<Uint8Array, InputError>,
  minBytes: number
): Effect.fn.Return<Peeked, InputError, Scope.Scope> {
  const pull = yield* Stream.toPull(bytes)
  const chunks: Array<Uint8Array> = []
  let size = 0
  let complete = false
  while (!complete && size < minBytes) {
    const batch = yield* pull.pipe(Pull.catchDone(() => Effect.succeed(undefined)))
    if (batch === undefined) {
      complete = true
    } else {
      for (const chunk of batch) chunks.push(chunk)
      size += batch.reduce((total, chunk) => total + chunk.length, 0)
    }
  }
  const head = Buffer.concat(chunks, size)
  const replay = Stream.fromArray(size > 0 ? [head] : [])
  return { head, complete, bytes: complete ? replay : Stream.concat(replay, Stream.fromPull(Effect.succeed(pull))) }
})

/** The whole input in memory, for formats that must see all of it; refuses past MAX_DOCUMENT_BYTES. */
export const readAll = Effect.fnUntraced(function*(
  bytes: Stream.Stream<Uint8Array, InputError>,
  file: string,
  maxBytes = MAX_DOCUMENT_BYTES
): Effect.fn.Return<Uint8Array, InputError> {
  const chunks: Array<Uint8Array> = []
  let size = 0
  yield* Stream.runForEachArray(bytes, (batch) => {
    for (const chunk of batch) {
      size += chunk.length
      chunks.push(chunk)
    }
    return size > maxBytes
      ? Effect.fail(
        new InputError({
          file,
          reason: `the file is over ${Math.round(maxBytes / 1024 / 1024)} MB, too large to read whole`,
          hint: "Split it, or convert it to JSON Lines (one paper per line), which is read as a stream at any size."
        })
      )
      : Effect.void
  })
  return Buffer.concat(chunks, size)
})
