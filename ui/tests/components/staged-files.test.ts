import { afterEach, describe, expect, it } from "vitest";
import { FileDrops, StagedFiles } from "../../src/components/staged-files";
import { all, one } from "../query";
import { harness } from "./harness";

function names(root: ParentNode): (string | null | undefined)[] {
  return all(root, "staged-file").map((f) => f.querySelector(".file-name")?.textContent);
}

describe("staged files", () => {
  it("keeps the files that pass the checks, says why the others cannot go, and skips repeats", async () => {
    const h = harness();
    const staged = new StagedFiles(h.context);
    h.mount(staged.element);
    expect(staged.element.hidden).toBe(true);
    h.backend.picked = ["/home/ana/contrato.pdf", "/home/ana/setup.exe"];
    h.backend.refusals.set("/home/ana/setup.exe", "setup.exe: Files ending in .exe cannot be sent.");
    await staged.pick();
    expect(names(h.root)).toEqual(["contrato.pdf"]);
    expect(one(h.root, "toast").textContent).toContain("setup.exe: Files ending in .exe cannot be sent.");
    await staged.add(["/home/ana/contrato.pdf"]);
    expect(staged.count).toBe(1);
    expect(staged.element.hidden).toBe(false);
  });

  it("removes a file, hands the rest over, and takes them back", async () => {
    const h = harness();
    const staged = new StagedFiles(h.context);
    h.mount(staged.element);
    await staged.add(["/tmp/a.pdf", "/tmp/b.pdf"]);
    all(h.root, "staged-remove")[0]!.click();
    const taken = staged.take();
    expect(taken.map((f) => f.path)).toEqual(["/tmp/b.pdf"]);
    expect(all(h.root, "staged-file")).toHaveLength(0);
    staged.restore(taken);
    expect(names(h.root)).toEqual(["b.pdf"]);
    staged.clear();
    expect(staged.element.hidden).toBe(true);
  });

  it("refuses dropped files by name and size before reading them", async () => {
    const h = harness();
    const staged = new StagedFiles(h.context);
    h.mount(staged.element);
    await staged.drop([
      new File(["%PDF-1.4 fake"], "proposta.pdf", { type: "application/pdf" }),
      new File(["MZ"], "virus.exe"),
      new File(["x"], "README"),
      new File([new Uint8Array(2 * 1024 * 1024)], "huge.png", { type: "image/png" }),
    ]);
    expect(h.backend.staged).toEqual([{ name: "proposta.pdf", size: 13 }]);
    expect(names(h.root)).toEqual(["proposta.pdf"]);
    const toast = one(h.root, "toast").textContent ?? "";
    expect(toast).toContain("virus.exe: files ending in .exe cannot be sent");
    expect(toast).toContain("README");
    expect(toast).toContain("huge.png: it is 2 MB; the server accepts files up to 1 MB.");
  });
});

describe("file drops", () => {
  let drops: FileDrops | null = null;
  afterEach(() => drops?.dispose());

  const dragEvent = (type: string, files: File[] = []) => {
    const event = new Event(type, { bubbles: true, cancelable: true }) as DragEvent;
    Object.defineProperty(event, "dataTransfer", { value: { files, types: ["Files"] } });
    return event;
  };

  it("shows the hint while files are dragged over and hands dropped files over", () => {
    const h = harness();
    const dropped: string[] = [];
    drops = new FileDrops(h.context, (files) => dropped.push(...files.map((f) => f.name)));
    const target = document.createElement("section");
    target.append(drops.hint);
    h.mount(target);
    drops.watch(target);
    expect(drops.hint.hidden).toBe(true);
    target.dispatchEvent(dragEvent("dragenter"));
    expect(drops.hint.hidden).toBe(false);
    target.dispatchEvent(new Event("dragleave"));
    expect(drops.hint.hidden).toBe(true);
    target.dispatchEvent(dragEvent("dragenter"));
    target.dispatchEvent(dragEvent("drop", [new File(["x"], "a.pdf")]));
    expect(drops.hint.hidden).toBe(true);
    expect(dropped).toEqual(["a.pdf"]);
  });

  it("keeps a file dropped elsewhere from replacing the app", () => {
    const h = harness();
    drops = new FileDrops(h.context, () => {});
    drops.watch(document.createElement("section"));
    const elsewhere = dragEvent("drop");
    document.body.dispatchEvent(elsewhere);
    expect(elsewhere.defaultPrevented).toBe(true);
    drops.dispose();
    const after = dragEvent("drop");
    document.body.dispatchEvent(after);
    expect(after.defaultPrevented).toBe(false);
  });
});
