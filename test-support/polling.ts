/**
 * Polls every 50 ms until `check` holds or the time is up, and returns either way: the
 * assertion after it says what was awaited and what was found.
 */
export async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}
