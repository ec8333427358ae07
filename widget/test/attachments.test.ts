import { describe, expect, it } from "vitest";
import { DEFAULT_EXTENSIONS, acceptAttribute, extensionOf, precheck } from "../src/attachments";
import { catalog } from "../src/i18n";

const en = catalog("en");
const pt = catalog("pt-BR");
const MB = 1024 * 1024;

describe("attachment pre-check", () => {
  it("accepts every type agents may send", () => {
    for (const ext of ["pdf", "doc", "docx", "ppt", "pptx", "xls", "xlsx", "txt", "rtf", "jpg", "png", "gif", "bmp", "webp", "tiff", "heif"]) {
      expect(DEFAULT_EXTENSIONS).toContain(ext);
      expect(precheck({ name: `file.${ext}`, size: 10 }, [], 25 * MB, en, "en")).toEqual({ ok: true });
    }
  });

  it("ignores the case of the extension", () => {
    expect(precheck({ name: "SCAN.PDF", size: 10 }, ["pdf"], MB, en, "en").ok).toBe(true);
    expect(extensionOf("photo.JPeG")).toBe("jpeg");
  });

  it("refuses other types and says which are accepted", () => {
    const r = precheck({ name: "setup.exe", size: 10 }, ["pdf", "png"], MB, en, "en");
    expect(r).toMatchObject({ ok: false, reason: "type" });
    expect(!r.ok && r.message).toBe("“setup.exe” can't be sent: only PDF, PNG files are accepted.");
    expect(precheck({ name: "README", size: 10 }, ["pdf"], MB, en, "en")).toMatchObject({ ok: false, reason: "type" });
    expect(precheck({ name: "archive.pdf.zip", size: 10 }, ["pdf"], MB, en, "en")).toMatchObject({ ok: false, reason: "type" });
    expect(precheck({ name: ".pdf", size: 10 }, ["pdf"], MB, en, "en")).toMatchObject({ ok: false, reason: "type" });
  });

  it("uses the channel's list when it has one", () => {
    expect(precheck({ name: "a.docx", size: 10 }, ["pdf"], MB, en, "en").ok).toBe(false);
    expect(precheck({ name: "a.docx", size: 10 }, [".DOCX"], MB, en, "en").ok).toBe(true);
  });

  it("refuses files over the limit, saying how big they are and what the limit is", () => {
    const r = precheck({ name: "big.pdf", size: 30 * MB }, ["pdf"], 25 * MB, en, "en");
    expect(r).toMatchObject({ ok: false, reason: "size" });
    expect(!r.ok && r.message).toBe("“big.pdf” is 30 MB; files can be at most 25 MB.");
    const p = precheck({ name: "big.pdf", size: 30 * MB }, ["pdf"], 25 * MB, pt, "pt-BR");
    expect(!p.ok && p.message).toBe("“big.pdf” tem 30 MB; o limite é 25 MB.");
    expect(precheck({ name: "edge.pdf", size: 25 * MB }, ["pdf"], 25 * MB, en, "en").ok).toBe(true);
  });

  it("refuses empty files", () => {
    expect(precheck({ name: "empty.txt", size: 0 }, ["txt"], MB, en, "en")).toMatchObject({ ok: false, reason: "empty" });
  });

  it("builds the file picker's accept list", () => {
    expect(acceptAttribute(["pdf", "png"])).toBe(".pdf,.png");
  });
});
