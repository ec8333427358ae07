import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { createContext, type Context } from "../../src/components/context";
import { FakeBackend } from "../fake-backend";
import { t } from "./harness";

// A real collection, to see what the screen keeps alive.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Tracks `n` answers (and as many refusals); weak references to them. A function of its
 * own, so no variable of the test's frame holds the last one. */
function trackAnswers(context: Context, n: number): WeakRef<object>[] {
  const answers: WeakRef<object>[] = [];
  for (let i = 0; i < n; i += 1) {
    const answer = { rows: new Array(1000).fill(i) };
    answers.push(new WeakRef(answer));
    context.track(Promise.resolve(answer));
    context.track(Promise.reject(answer)).catch(() => {});
  }
  return answers;
}

describe("context", () => {
  it("settled() waits for every tracked piece of work, also work tracked while waiting", async () => {
    const { context, settled } = createContext(new FakeBackend([]), t, "en");
    const done: string[] = [];
    let release = () => {};
    context.track(new Promise<void>((resolve) => (release = resolve)).then(() => done.push("first")));
    context.track(Promise.resolve().then(() => {
      context.track(new Promise((resolve) => setTimeout(resolve, 5)).then(() => done.push("later")));
    }));
    const waiting = settled().then(() => done.push("settled"));
    release();
    await waiting;
    expect(done).toEqual(["first", "later", "settled"]);
  });

  it("keeps nothing of tracked work once it has settled (a screen tracks work for hours)", async () => {
    const { context, settled } = createContext(new FakeBackend([]), t, "en");
    const answers = trackAnswers(context, 50);
    await settled();
    // The next turns, then a full collection: only the screen's chain could still hold them.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(answers.filter((a) => a.deref() !== undefined)).toHaveLength(0);
  });
});
