// The square SDK, loaded on first use. Its errors can only come from calls made after that,
// so error classification reads the already-loaded module (loadedSquareSdk) synchronously.
type SquareSdk = typeof import("square");

let sdk: SquareSdk | undefined;

export async function loadSquareSdk(): Promise<SquareSdk> {
  return (sdk ??= await import("square"));
}

export function loadedSquareSdk(): SquareSdk | undefined {
  return sdk;
}
