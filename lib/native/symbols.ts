/**
 * Keys of package-internal accessors: symbols, so they are not part of a class's public
 * surface, and in the native layer, so that every client module reaches them by importing down.
 */

/** Key of the package-internal accessor of a consumer's native handle. */
export const NATIVE: unique symbol = Symbol('octokafka.native');
