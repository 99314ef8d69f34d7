/**
 * Injected into every firmware bundle (esbuild `inject`): each reference to the global `Uint8Array` becomes
 * this module's binding, which the minifier names with one or two letters. The bundle says `new Uint8Array(`
 * some 60 times, so the alias saves about 0.5 KB for one JsVar binding, while the sources keep the plain name.
 * Espruino's typed-array constructor works the same through any binding (`new`, `instanceof`).
 */
const U8 = Uint8Array;

export { U8 as Uint8Array };
