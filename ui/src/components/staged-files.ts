/**
 * Files waiting to go with the next reply: picked in the native dialog or dropped on the chat,
 * checked by the backend (type rules, size limit) before they are listed, removable one by one.
 * A dropped file is first checked by name and size alone, so a refused one is never read.
 */
import type { AttachmentRules, FileCheck } from "../api";
import { button, el } from "../dom";
import { fileSize } from "../format";
import type { Context } from "./context";

export class StagedFiles {
  readonly element: HTMLUListElement;
  private files: FileCheck[] = [];
  private rules: AttachmentRules | null = null;

  constructor(private readonly ctx: Context) {
    this.element = el("ul", { class: "staged-files", "data-testid": "staged-files" });
    this.element.hidden = true;
  }

  get count(): number {
    return this.files.length;
  }

  /** Hands the files over (they go with a reply) and empties the list. */
  take(): FileCheck[] {
    const files = this.files;
    this.files = [];
    this.render();
    return files;
  }

  /** Puts files back (the reply could not be queued). */
  restore(files: FileCheck[]): void {
    this.files = files;
    this.render();
  }

  clear(): void {
    this.files = [];
    this.render();
  }

  /** The Attach button: the native dialog, then the checks. */
  pick(): Promise<void> {
    return this.ctx.backend.pickFiles().then((paths) => this.add(paths));
  }

  /** Check files and keep those that may go; say why the others cannot. */
  async add(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    const checks = await this.ctx.backend.checkFiles(paths);
    const refused = checks.filter((c) => c.refusal).map((c) => c.refusal as string);
    const fresh = checks.filter((c) => !c.refusal && !this.files.some((s) => s.path === c.path));
    this.files = [...this.files, ...fresh];
    this.render();
    if (refused.length > 0) this.ctx.toast(refused.join("\n"), true);
  }

  /** Dropped files: refused by name and size before reading, the rest staged and checked. */
  async drop(files: File[]): Promise<void> {
    const { backend } = this.ctx;
    const r = await this.attachmentRules();
    const refused: string[] = [];
    const paths: string[] = [];
    for (const file of files) {
      const why = this.precheck(file, r);
      if (why) {
        refused.push(why);
        continue;
      }
      const bytes = new Uint8Array(await file.arrayBuffer());
      paths.push(await backend.stageFile(file.name, bytes));
    }
    if (refused.length > 0) this.ctx.toast(refused.join("\n"), true);
    await this.add(paths);
  }

  private async attachmentRules(): Promise<AttachmentRules> {
    this.rules ??= await this.ctx.backend.attachmentRules();
    return this.rules;
  }

  /** What can be told of a dropped file from its name and size alone, before reading it. */
  private precheck(file: File, r: AttachmentRules): string | null {
    const { t, locale } = this.ctx;
    const dot = file.name.lastIndexOf(".");
    const ext = dot > 0 ? file.name.slice(dot + 1).toLowerCase() : "";
    const accepted = t("attach.accepted");
    if (!ext) return t("attach.noExtension", { name: file.name, accepted });
    if (!r.extensions.includes(ext)) return t("attach.badType", { name: file.name, ext, accepted });
    if (r.max_bytes > 0 && file.size > r.max_bytes) {
      return t("attach.tooLarge", {
        name: file.name,
        size: fileSize(file.size, locale),
        max: fileSize(r.max_bytes, locale),
      });
    }
    return null;
  }

  private render(): void {
    const { t, locale } = this.ctx;
    this.element.hidden = this.files.length === 0;
    this.element.replaceChildren(
      ...this.files.map((file) => {
        const remove = button("×", "staged-remove", {
          class: "link",
          "aria-label": t("attach.remove", { name: file.filename }),
        });
        remove.addEventListener("click", () => {
          this.files = this.files.filter((f) => f !== file);
          this.render();
        });
        return el(
          "li",
          { class: "staged", "data-testid": "staged-file", title: file.path },
          el("span", { class: "file-name" }, file.filename),
          el("span", { class: "file-size" }, fileSize(file.size, locale)),
          remove,
        );
      }),
    );
  }
}

const carriesFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes("Files");

/** A drop target for files (the chat), with its "drop here" hint; elsewhere drops are swallowed. */
export class FileDrops {
  readonly hint: HTMLDivElement;
  private depth = 0;

  constructor(
    ctx: Context,
    private readonly dropped: (files: File[]) => void,
  ) {
    this.hint = el("div", { class: "drop-hint", "data-testid": "drop-hint" }, ctx.t("attach.drop"));
    this.hint.hidden = true;
  }

  /** Takes drops on `target`; a file dropped anywhere else must not replace the app with the file. */
  watch(target: HTMLElement): void {
    target.addEventListener("dragenter", (e) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      this.depth += 1;
      this.hint.hidden = false;
    });
    target.addEventListener("dragover", (e) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
    });
    target.addEventListener("dragleave", () => {
      this.depth = Math.max(0, this.depth - 1);
      if (this.depth === 0) this.hint.hidden = true;
    });
    target.addEventListener("drop", (e) => {
      e.preventDefault();
      this.depth = 0;
      this.hint.hidden = true;
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.length > 0) this.dropped(files);
    });
    document.addEventListener("dragover", this.swallow);
    document.addEventListener("drop", this.swallow);
  }

  dispose(): void {
    document.removeEventListener("dragover", this.swallow);
    document.removeEventListener("drop", this.swallow);
  }

  private readonly swallow = (e: DragEvent): void => {
    if (carriesFiles(e)) e.preventDefault();
  };
}
