/** Tests import the firmware rig from here; it lives in the simulator so benchmarks can use it too. */
export * from '../simulator/src/testing/firmware-rig';
