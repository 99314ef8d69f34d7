/**
 * Barrel for protocol/src/cbor (host entry): the pinned cbor-x codec. The device codec and the value model
 * reach the host entry through ../device.
 */
export { decodeCborHost, encodeCborHost } from './cborx';
