/**
 * AMF3 externalizable objects (AMF3-SPEC §3.12, traits flag `111`): the value class,
 * the one-value codec and the built-in registry (Flex `ArrayCollection`, `ObjectProxy`).
 *
 * An externalizable body is class-defined and cannot be skipped generically, so a
 * decoder only reads classes it has a codec for and rejects the rest with
 * `ERR_AMF_EXTERNALIZABLE`. Flex's `ArrayCollection` and `ObjectProxy` write exactly one
 * AMF3 value (the source array / the proxied object); they decode to an
 * `AMFExternalizable` that re-encodes byte for byte.
 */
import { AMFTypedObject, type AmfValue, type ExternalizableCodec } from './types.js';

/**
 * An AMF3 externalizable object whose body is one AMF3 value — Flex's
 * `flex.messaging.io.ArrayCollection` (body: the source Array) and
 * `flex.messaging.io.ObjectProxy` (body: the proxied object), or any class registered
 * with {@link externalizableOneValue}.
 *
 * It is an `AMFTypedObject` (so it is an `AmfValue` and generic code sees a class name)
 * whose only member is `value`. The AMF3 encoder writes any `AMFExternalizable` as an
 * externalizable object (`0A 07 <class name> <value>`), whatever its class name.
 */
export class AMFExternalizable extends AMFTypedObject {
  /** The externalized body. */
  declare value: AmfValue;

  constructor(className: string, value: AmfValue) {
    super(className);
    this.value = value;
  }
}

const ONE_VALUE_CODECS = new WeakSet<ExternalizableCodec>();

/**
 * A codec for an externalizable class whose body is a single AMF3 value. It decodes to
 * an {@link AMFExternalizable} (the decoder registers the object before reading the body,
 * so the body may refer back to it) and writes `value.value`.
 * Register it for your own classes: `decode(buf, { externalizable: new Map([['com.example.Foo', externalizableOneValue('com.example.Foo')]]) })`.
 */
export function externalizableOneValue(className: string): ExternalizableCodec {
  const codec: ExternalizableCodec = {
    read: (readValue) => new AMFExternalizable(className, readValue()),
    write: (value, writeValue) => writeValue(value instanceof AMFExternalizable ? value.value : value),
    matches: (value) => value instanceof AMFExternalizable && AMFTypedObject.classNameOf(value) === className,
  };
  ONE_VALUE_CODECS.add(codec);
  return codec;
}

/** Tells whether `codec` was made by {@link externalizableOneValue}. */
export function isOneValueCodec(codec: ExternalizableCodec): boolean {
  return ONE_VALUE_CODECS.has(codec);
}

/** Flex's `ArrayCollection` class name. */
export const ARRAY_COLLECTION = 'flex.messaging.io.ArrayCollection';
/** Flex's `ObjectProxy` class name. */
export const OBJECT_PROXY = 'flex.messaging.io.ObjectProxy';

/** The externalizable classes every AMF3 decoder understands; `options.externalizable` is merged over these. */
export const BUILTIN_EXTERNALIZABLE: ReadonlyMap<string, ExternalizableCodec> = new Map([
  [ARRAY_COLLECTION, externalizableOneValue(ARRAY_COLLECTION)],
  [OBJECT_PROXY, externalizableOneValue(OBJECT_PROXY)],
]);
