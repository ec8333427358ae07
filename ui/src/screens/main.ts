/**
 * The main screen: conversation list, chat view with reply box and templates panel, and the
 * actions on a chat. Everything it shows comes from the backend's local cache, so it works
 * offline; it redraws when the backend announces a change.
 */
import type {
  Agent,
  AttachmentRules,
  Backend,
  Change,
  Conversation,
  FileCheck,
  ShellEvent,
  Template,
} from "../api";
import { button, el } from "../dom";
import {
  conversationLanguage,
  fileSize,
  pickLanguage,
  smsSegments,
  windowLeft,
} from "../format";
import type { Translate } from "../i18n";
import { paperclipIcon } from "../icons";
import { createContext, type MainState } from "../components/context";
import { ChatHeader } from "../components/chat-header";
import { addContactDialog, blockDialog, confirmDelete, internalChatDialog, transferDialog } from "../components/dialogs";
import { InfoPanel } from "../components/info-panel";
import { ConversationList } from "../components/list";
import { MessageList, PAGE } from "../components/message-list";
import { UnknownContactPopups } from "../components/popups";
import { Search } from "../components/search";
import { Shortcuts } from "../components/shortcuts";
import { ConnectionBanner } from "../components/status";
import { TopBar } from "../components/top-bar";
import { openSettings } from "./settings";

/** Dispatched on the screen's element when the session ended (sign out, expired). */
export const SIGNED_OUT_EVENT = "signed-out";

export interface MainScreen {
  element: HTMLElement;
  /** Resolves when pending redraws have finished; tests await it. */
  settled(): Promise<void>;
  /** Opens a conversation (notification click, tests). */
  open(id: string): Promise<void>;
  dispose(): void;
}

interface Options {
  backend: Backend;
  t: Translate;
  locale: string;
  agent: Agent;
}

export function renderMain(container: HTMLElement, options: Options): MainScreen {
  const { backend, t, locale } = options;
  const { context, toast, settled } = createContext(backend, t, locale);
  const { track, fail, dialogs } = context;
  const showToast = context.toast;
  const showDialog = dialogs.show;
  const hideDialog = dialogs.hide;
  const state: MainState = { me: options.agent, view: "recent", activeId: null, active: null };
  let templateCategory: string | null = null;
  /** Files checked and waiting to go with the next reply. */
  let staged: FileCheck[] = [];
  let rules: AttachmentRules | null = null;

  // ----- top bar -----
  const search = new Search(context, { open: (id) => void open(id) });
  const topbar = new TopBar(context, state, search, {
    help: () => shortcuts.showHelp(),
    settings: () =>
      void track(openSettings({ backend, t, showDialog, hideDialog, showToast, fail, track }).catch(fail)),
    logout: () =>
      void track(
        backend.logout().then(() => element.dispatchEvent(new CustomEvent(SIGNED_OUT_EVENT, { bubbles: true })), fail),
      ),
    presenceChanged: (agent) => (state.me = agent),
  });
  const banner = new ConnectionBanner(t);

  // ----- list -----
  const list = new ConversationList(context, state, {
    open: (id) => void open(id),
    viewChanged: (view) => {
      state.view = view;
      close();
      void track(list.load().catch(fail));
    },
    newInternal: () =>
      internalChatDialog(context, state.me, async (c) => {
        await list.load();
        await open(c.id);
      }),
    loaded: (conversations) => {
      if (state.view === "recent") popups.offer(conversations);
    },
  });

  // ----- chat -----
  const header = new ChatHeader(context, state, {
    take: () => void track(act((id) => backend.take(id))),
    transfer: () =>
      transferDialog(context, state.me, (extension) => void track(act((id) => backend.transfer(id, extension), true))),
    resolve: () => void track(act((id) => backend.resolve(id), true)),
    info: () => void track(showInfo().catch(fail)),
    endSession: () => {
      header.closeMenu();
      void track(act((id) => backend.endSession(id)).then(() => showToast(t("chat.sessionEnded"))));
    },
    block: () => {
      header.closeMenu();
      blockDialog(context, (seconds, reason) =>
        void track(act((id) => backend.block(id, seconds, reason)).then(() => showToast(t("block.done")))),
      );
    },
    archive: () => void track(act((id) => backend.archive(id), true)),
    unarchive: () => void track(act((id) => backend.unarchive(id), true)),
    delete: () => {
      header.closeMenu();
      confirmDelete(context, () => void track(act((id) => backend.deleteConversation(id), true)));
    },
  });
  const messageList = new MessageList(context, state);
  const windowNote = el("p", { class: "window-note", "data-testid": "reply-window" });
  const reply = el("textarea", {
    class: "reply-box",
    rows: "2",
    placeholder: t("chat.replyPlaceholder"),
    "data-testid": "reply-box",
  });
  const segments = el("span", { class: "segments", "data-testid": "sms-segments" });
  const templatesToggle = button(t("chat.templates"), "templates-toggle", { class: "ghost" });
  const attachButton = button(t("attach.button"), "attach-button", { class: "ghost attach", title: t("attach.title") });
  attachButton.prepend(paperclipIcon());
  const sendButton = button(t("chat.send"), "send-button", { class: "primary" });
  const stagedList = el("ul", { class: "staged-files", "data-testid": "staged-files" });
  stagedList.hidden = true;
  const picker = el("ul", { class: "template-picker", role: "listbox", "data-testid": "template-picker" });
  picker.hidden = true;
  const composer = el(
    "div",
    { class: "composer" },
    windowNote,
    stagedList,
    el("div", { class: "reply-wrap" }, picker, reply),
    el("div", { class: "composer-bar" }, attachButton, templatesToggle, segments, sendButton),
  );
  const dropHint = el("div", { class: "drop-hint", "data-testid": "drop-hint" }, t("attach.drop"));
  dropHint.hidden = true;
  const emptyChat = el("div", { class: "empty-chat" }, t("chat.none"));
  const chat = el("section", { class: "chat", "data-testid": "chat" }, header.element, messageList.older, messageList.element, composer, dropHint);

  // ----- templates panel -----
  const templateSearch = el("input", {
    type: "search",
    placeholder: t("templates.search"),
    "aria-label": t("templates.search"),
    "data-testid": "template-search",
  });
  const categoryTabs = el("div", { class: "tabs", role: "tablist" });
  const languageSelect = el("select", { "data-testid": "template-language", "aria-label": "Language" });
  const templateList = el("ul", { class: "template-list" });
  const newTemplate = button(`+ ${t("templates.new")}`, "template-new", { class: "ghost" });
  newTemplate.hidden = !canManageTemplates();
  const templatesPanel = el(
    "aside",
    { class: "templates-panel", "data-testid": "templates-panel" },
    el("div", { class: "panel-head" }, el("h3", {}, t("chat.templates")), newTemplate),
    templateSearch,
    categoryTabs,
    languageSelect,
    templateList,
  );
  templatesPanel.hidden = true;

  const info = new InfoPanel(context, state, { addContact: (c) => addContact(c) });
  const popups = new UnknownContactPopups(context, {
    reply: (c) => void open(c.id).then(() => reply.focus()),
    addContact: (c, done) => addContact(c, done),
  });

  const workspace = el("main", { class: "workspace" }, list.element, emptyChat, chat, templatesPanel, info.element);
  chat.hidden = true;
  const element = el(
    "div",
    { class: "app", "data-testid": "main-screen" },
    topbar.element,
    banner.element,
    workspace,
    popups.element,
    toast.element,
    dialogs.element,
  );
  container.replaceChildren(element);

  // ----- chat -----
  function renderHeader(): void {
    if (!state.active) return;
    const c = state.active;
    header.show(c);
    const left = c.reply_window_ends_at ? windowLeft(c.reply_window_ends_at) : null;
    if (c.reply_window_ends_at === undefined || c.reply_window_ends_at === null) {
      windowNote.hidden = !(c.channel === "whatsapp" || c.channel === "facebook");
      windowNote.textContent = windowNote.hidden ? "" : t("chat.windowClosed");
    } else {
      windowNote.hidden = false;
      windowNote.textContent = left ? t("chat.windowLeft", { time: left }) : t("chat.windowClosed");
    }
    windowNote.classList.toggle("closed", !left);
    updateSegments();
  }

  function updateSegments(): void {
    const n = state.active?.channel === "sms" ? smsSegments(reply.value) : 0;
    segments.textContent = n > 0 ? t("chat.segments", { count: n }) : "";
  }

  let chatSeq = 0;
  async function loadChat(stickToBottom = true): Promise<void> {
    if (!state.activeId) return;
    const id = state.activeId;
    const seq = ++chatSeq;
    const [conversation, page] = await Promise.all([
      backend.conversation(id),
      backend.messages(id, null, Math.max(PAGE, messageList.count)),
    ]);
    if (id !== state.activeId || seq !== chatSeq) return;
    if (!conversation) {
      close();
      return;
    }
    state.active = conversation;
    renderHeader();
    messageList.show(page.messages, page.more, stickToBottom);
    const newest = messageList.newest;
    if (conversation.unread > 0 && newest && !newest.id.startsWith("local")) {
      void backend.markRead(id, newest.id).catch(() => {});
    }
  }

  function close(): void {
    state.activeId = null;
    state.active = null;
    messageList.clear();
    chat.hidden = true;
    emptyChat.hidden = false;
    templatesPanel.hidden = true;
    info.hidden = true;
    void backend.setActiveConversation(null);
    list.render();
  }

  async function open(id: string): Promise<void> {
    if (state.activeId !== id) {
      state.activeId = id;
      messageList.clear();
      reply.value = "";
      staged = [];
      renderStaged();
      closePicker();
      // Each chat pre-selects its own customer's template language.
      delete languageSelect.dataset.touched;
    }
    chat.hidden = false;
    emptyChat.hidden = true;
    header.closeMenu();
    // Opening the chat answers its pop-up (Add contact stays in Info), which would otherwise
    // sit over the reply box's Send button.
    popups.dismiss(id);
    list.render();
    void backend.setActiveConversation(id);
    await track(loadChat(true).catch(fail));
    if (!templatesPanel.hidden) await track(loadTemplates());
  }

  // ----- templates -----
  function canManageTemplates(): boolean {
    return state.me.role !== "agent";
  }

  /** The language to pre-select: the customer's where known, else the agent's. */
  function preferredLanguage(languages: string[]): string {
    const customer = state.active ? conversationLanguage(state.active) : null;
    return pickLanguage(languages, customer) ?? pickLanguage(languages, locale) ?? "";
  }

  async function loadTemplates(): Promise<void> {
    const languages = await backend.templateLanguages();
    const chosen = languageSelect.value;
    languageSelect.replaceChildren(
      el("option", { value: "" }, t("templates.anyLanguage")),
      ...languages.map((l) => el("option", { value: l }, l)),
    );
    languageSelect.value = languageSelect.dataset.touched ? chosen : preferredLanguage(languages);
    const language = languageSelect.value || null;
    // The tabs are the categories of the chosen language's templates.
    const [inLanguage, templates] = await Promise.all([
      backend.templates({ query: null, category: null, language }),
      backend.templates({ query: templateSearch.value.trim() || null, category: templateCategory, language }),
    ]);
    const categories = [...new Set(inLanguage.map((tpl) => tpl.category))].sort((a, b) => a.localeCompare(b, locale));
    if (templateCategory !== null && !categories.includes(templateCategory)) {
      templateCategory = null;
      return loadTemplates();
    }
    const tabs = [null, ...categories].map((category) => {
      const tab = el(
        "button",
        {
          type: "button",
          role: "tab",
          class: `tab${category === templateCategory ? " selected" : ""}`,
          "aria-selected": category === templateCategory ? "true" : "false",
          "data-testid": "template-category",
          "data-category": category ?? "",
        },
        category ?? t("templates.all"),
      );
      tab.addEventListener("click", () => {
        templateCategory = category;
        void track(loadTemplates().catch(fail));
      });
      return tab;
    });
    categoryTabs.replaceChildren(...tabs);
    newTemplate.hidden = !canManageTemplates();
    const items = templates.map((tpl) => {
      const item = el(
        "li",
        { class: "template-item", tabindex: "0", "data-testid": "template-item", "data-template-id": tpl.id },
        el("strong", {}, tpl.name),
        el("span", { class: "template-meta" }, `${tpl.category} · ${tpl.language}`),
        el("p", {}, tpl.body),
      );
      item.addEventListener("click", () => useTemplate(tpl));
      item.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && e.target === item) useTemplate(tpl);
      });
      if (canManageTemplates()) {
        const edit = button(t("templates.edit"), "template-edit", { class: "link" });
        const remove = button(t("templates.delete"), "template-delete", { class: "link danger" });
        edit.addEventListener("click", (e) => {
          e.stopPropagation();
          editTemplate(tpl);
        });
        remove.addEventListener("click", (e) => {
          e.stopPropagation();
          deleteTemplate(tpl);
        });
        item.append(el("div", { class: "template-tools" }, edit, remove));
      }
      return item;
    });
    templateList.replaceChildren(...(items.length ? items : [el("li", { class: "empty" }, t("templates.empty"))]));
  }

  function useTemplate(tpl: Template): void {
    reply.value = fillVariables(tpl.body);
    closePicker();
    reply.focus();
    reply.setSelectionRange(reply.value.length, reply.value.length);
    updateSegments();
  }

  /** The create/edit form (managers and owners); the server has the last word on rights. */
  function editTemplate(tpl: Template | null): void {
    const field = (id: string, label: string, value: string, multiline = false) => {
      const input = multiline
        ? el("textarea", { id, rows: "5", "data-testid": id })
        : el("input", { type: "text", id, "data-testid": id });
      input.value = value;
      return { input, label: el("label", { class: "field-label", for: id }, label) };
    };
    const name = field("template-form-name", t("templates.name"), tpl?.name ?? "");
    const category = field("template-form-category", t("templates.category"), tpl?.category ?? templateCategory ?? "");
    const language = field(
      "template-form-language",
      t("templates.language"),
      tpl?.language ?? (languageSelect.value || (locale.startsWith("pt") ? "pt-BR" : "en")),
    );
    const body = field("template-form-body", t("templates.body"), tpl?.body ?? "", true);
    const save = button(t("templates.save"), "template-form-save", { class: "primary" });
    const cancel = button(t("chat.cancel"), "template-form-cancel");
    showDialog(
      el(
        "div",
        { class: "dialog template-form", role: "dialog", "data-testid": "template-form" },
        el("h3", {}, tpl ? t("templates.formEdit") : t("templates.formNew")),
        name.label,
        name.input,
        category.label,
        category.input,
        language.label,
        language.input,
        body.label,
        body.input,
        el("div", { class: "dialog-bar" }, cancel, save),
      ),
    );
    name.input.focus();
    cancel.addEventListener("click", hideDialog);
    save.addEventListener("click", () => {
      const input = {
        name: name.input.value.trim(),
        category: category.input.value.trim(),
        language: language.input.value.trim(),
        body: body.input.value,
      };
      if (!input.name || !input.category || !input.language || !input.body.trim()) {
        showToast(t("templates.required"), true);
        return;
      }
      const saved = tpl ? backend.updateTemplate(tpl.id, input) : backend.createTemplate(input);
      void track(
        saved.then(() => {
          hideDialog();
          showToast(t("templates.saved"));
          return loadTemplates();
        }, fail),
      );
    });
  }

  function deleteTemplate(tpl: Template): void {
    const confirm = button(t("templates.delete"), "template-delete-confirm", { class: "danger" });
    const cancel = button(t("chat.cancel"), "template-delete-cancel");
    showDialog(
      el(
        "div",
        { class: "dialog", role: "dialog", "data-testid": "template-delete-dialog" },
        el("p", {}, t("templates.deleteConfirm", { name: tpl.name })),
        el("div", { class: "dialog-bar" }, cancel, confirm),
      ),
    );
    cancel.addEventListener("click", hideDialog);
    confirm.addEventListener("click", () => {
      hideDialog();
      void track(
        backend.deleteTemplate(tpl.id).then(() => {
          showToast(t("templates.deleted"));
          return loadTemplates();
        }, fail),
      );
    });
  }
  newTemplate.addEventListener("click", () => editTemplate(null));

  // `/` at the start of the reply: a quick picker of templates matching what follows.
  let pickerItems: Template[] = [];
  let pickerIndex = 0;
  let pickerSeq = 0;
  function closePicker(): void {
    picker.hidden = true;
    pickerItems = [];
  }
  async function updatePicker(): Promise<void> {
    const match = /^\/(\S*)$/.exec(reply.value);
    if (!match) {
      closePicker();
      return;
    }
    const seq = ++pickerSeq;
    const languages = await backend.templateLanguages();
    const language = languageSelect.dataset.touched ? languageSelect.value : preferredLanguage(languages);
    let found = await backend.templates({ query: match[1] || null, category: null, language: language || null });
    // Nothing in the customer's language: offer every language rather than nothing.
    if (found.length === 0 && language) {
      found = await backend.templates({ query: match[1] || null, category: null, language: null });
    }
    if (seq !== pickerSeq) return;
    pickerItems = found.slice(0, 8);
    pickerIndex = 0;
    drawPicker();
  }
  function drawPicker(): void {
    if (pickerItems.length === 0) {
      picker.replaceChildren(el("li", { class: "empty" }, t("templates.empty")));
      picker.hidden = false;
      return;
    }
    picker.replaceChildren(
      ...pickerItems.map((tpl, i) => {
        const item = el(
          "li",
          {
            class: `picker-item${i === pickerIndex ? " selected" : ""}`,
            role: "option",
            "aria-selected": i === pickerIndex ? "true" : "false",
            "data-testid": "template-picker-item",
            "data-template-id": tpl.id,
          },
          el("strong", {}, tpl.name),
          el("span", { class: "muted" }, ` ${tpl.category} · ${tpl.language}`),
          el("p", { class: "muted" }, tpl.body),
        );
        item.addEventListener("mousedown", (e) => {
          e.preventDefault();
          useTemplate(tpl);
        });
        return item;
      }),
      el("li", { class: "picker-hint muted" }, t("templates.pickerHint")),
    );
    picker.hidden = false;
  }
  /** Keys the open picker takes; true when the key was used. */
  function pickerKey(event: KeyboardEvent): boolean {
    const chosen = pickerItems[pickerIndex];
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (pickerItems.length === 0) return false;
      const delta = event.key === "ArrowDown" ? 1 : -1;
      pickerIndex = (pickerIndex + delta + pickerItems.length) % pickerItems.length;
      drawPicker();
    } else if ((event.key === "Enter" || event.key === "Tab") && chosen) {
      useTemplate(chosen);
    } else if (event.key === "Escape") {
      closePicker();
    } else {
      return false;
    }
    event.preventDefault();
    event.stopPropagation();
    return true;
  }
  reply.addEventListener("blur", () => window.setTimeout(closePicker, 150));

  /** Variables the UI can fill itself; the rest stay for the agent to edit. */
  function fillVariables(body: string): string {
    const contact = state.active?.contact.display_name ?? "";
    const values: Record<string, string> = {
      "contact.name": contact,
      "contact.first_name": contact.split(/\s+/)[0] ?? "",
      "agent.name": state.me.name,
      "agent.extension": state.me.extension,
    };
    return body.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, name: string) => values[name] || whole);
  }

  templatesToggle.addEventListener("click", () => {
    templatesPanel.hidden = !templatesPanel.hidden;
    if (!templatesPanel.hidden) info.hidden = true;
    if (!templatesPanel.hidden) void track(loadTemplates().catch(fail));
  });
  templateSearch.addEventListener("input", () => void track(loadTemplates().catch(fail)));
  languageSelect.addEventListener("change", () => {
    languageSelect.dataset.touched = "1";
    void track(loadTemplates().catch(fail));
  });

  // ----- attachments -----
  function renderStaged(): void {
    stagedList.hidden = staged.length === 0;
    stagedList.replaceChildren(
      ...staged.map((file) => {
        const remove = button("×", "staged-remove", {
          class: "link",
          "aria-label": t("attach.remove", { name: file.filename }),
        });
        remove.addEventListener("click", () => {
          staged = staged.filter((f) => f !== file);
          renderStaged();
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

  /** Check files and keep those that may go; say why the others cannot. */
  async function addFiles(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    const checks = await backend.checkFiles(paths);
    const refused = checks.filter((c) => c.refusal).map((c) => c.refusal as string);
    const fresh = checks.filter((c) => !c.refusal && !staged.some((s) => s.path === c.path));
    staged = [...staged, ...fresh];
    renderStaged();
    if (refused.length > 0) showToast(refused.join("\n"), true);
  }

  async function attachmentRules(): Promise<AttachmentRules> {
    rules ??= await backend.attachmentRules();
    return rules;
  }

  /** What can be told of a dropped file from its name and size alone, before reading it. */
  function precheck(file: File, r: AttachmentRules): string | null {
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

  async function dropFiles(files: File[]): Promise<void> {
    const r = await attachmentRules();
    const refused: string[] = [];
    const paths: string[] = [];
    for (const file of files) {
      const why = precheck(file, r);
      if (why) {
        refused.push(why);
        continue;
      }
      const bytes = new Uint8Array(await file.arrayBuffer());
      paths.push(await backend.stageFile(file.name, bytes));
    }
    if (refused.length > 0) showToast(refused.join("\n"), true);
    await addFiles(paths);
  }

  attachButton.addEventListener("click", () => {
    void track(backend.pickFiles().then(addFiles).catch(fail));
  });
  const carriesFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes("Files");
  let dragDepth = 0;
  chat.addEventListener("dragenter", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    dragDepth += 1;
    dropHint.hidden = false;
  });
  chat.addEventListener("dragover", (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
  });
  chat.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) dropHint.hidden = true;
  });
  chat.addEventListener("drop", (e) => {
    e.preventDefault();
    dragDepth = 0;
    dropHint.hidden = true;
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length > 0 && state.activeId) void track(dropFiles(files).catch(fail));
  });
  // A file dropped anywhere else must not replace the app with the file.
  const swallowDrop = (e: DragEvent) => {
    if (carriesFiles(e)) e.preventDefault();
  };
  document.addEventListener("dragover", swallowDrop);
  document.addEventListener("drop", swallowDrop);

  // ----- sending -----
  async function sendReply(): Promise<void> {
    if (!state.activeId) return;
    const body = reply.value;
    const files = staged;
    if (body.trim() === "" && files.length === 0) return;
    reply.value = "";
    staged = [];
    renderStaged();
    closePicker();
    updateSegments();
    try {
      await backend.send(
        state.activeId,
        body,
        files.map((f) => f.path),
      );
      await loadChat(true);
    } catch (thrown) {
      reply.value = body;
      staged = files;
      renderStaged();
      fail(thrown);
    }
  }
  reply.addEventListener("keydown", (event) => {
    if (!picker.hidden && pickerKey(event)) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void track(sendReply());
    }
  });
  reply.addEventListener("input", () => {
    updateSegments();
    void track(updatePicker().catch(fail));
  });
  sendButton.addEventListener("click", () => void track(sendReply()));
  // ----- actions -----
  async function act(action: (id: string) => Promise<unknown>, closeAfter = false): Promise<void> {
    if (!state.activeId) return;
    header.closeMenu();
    try {
      await action(state.activeId);
      if (closeAfter) close();
      await list.load();
      if (state.activeId) await loadChat(false);
    } catch (thrown) {
      fail(thrown);
    }
  }
  // ----- info panel, contacts, live-chat actions -----
  async function showInfo(): Promise<void> {
    if (!state.active) return;
    header.closeMenu();
    templatesPanel.hidden = true;
    await info.show(state.active);
  }

  function addContact(c: Conversation, after?: () => void): void {
    addContactDialog(context, c, () => {
      after?.();
      // The server's contact change redraws the chat and the info panel when it arrives.
      infoDirty = true;
    });
  }

  // ----- keyboard shortcuts -----
  function step(delta: number): void {
    const next = list.neighbour(delta);
    if (next) void open(next);
  }
  const shortcuts = new Shortcuts(context, {
    step,
    focusSearch: () => search.focus(),
    take: () => header.pressTake(),
    resolve: () => header.pressResolve(),
  });

  // ----- live changes -----
  let redraw: number | null = null;
  let chatDirty = false;
  /** The open chat's contact may have changed: redraw the info panel after the chat. */
  let infoDirty = false;
  function scheduleRedraw(chatToo: boolean): void {
    chatDirty ||= chatToo;
    if (redraw !== null) return;
    redraw = window.setTimeout(() => {
      redraw = null;
      const withChat = chatDirty;
      chatDirty = false;
      const withInfo = infoDirty && !info.hidden;
      infoDirty = false;
      void track(list.load().catch(fail));
      if (withChat && state.activeId) {
        void track(
          loadChat(true)
            .then(() => (withInfo ? showInfo() : undefined))
            .catch(fail),
        );
      }
    }, 50);
  }
  function onChange(change: Change): void {
    switch (change.kind) {
      case "conversation_upserted":
        if (change.id === state.activeId) infoDirty = true;
        scheduleRedraw(change.id === state.activeId);
        break;
      case "conversation_removed":
        if (change.id === state.activeId) close();
        scheduleRedraw(false);
        break;
      case "messages_changed":
        scheduleRedraw(change.conversation_id === state.activeId);
        break;
      case "conversations_reloaded":
      case "resync":
        scheduleRedraw(true);
        break;
      case "templates_changed":
        if (!templatesPanel.hidden) void track(loadTemplates().catch(fail));
        break;
      case "contacts_changed":
        infoDirty = true;
        scheduleRedraw(true);
        break;
      case "upload_progress":
        messageList.uploadProgress(change.client_id, change.sent, change.total);
        break;
      case "connection":
        banner.set(change.state);
        break;
      case "session_expired":
        element.dispatchEvent(new CustomEvent(SIGNED_OUT_EVENT, { bubbles: true }));
        break;
      default:
        break;
    }
  }
  let unsubscribe: (() => void) | null = null;
  let disposed = false;
  const subscribed = backend
    .onEvent((event: ShellEvent) => {
      if (event.event === "change") onChange(event.payload);
      else if (event.event === "open_conversation") void open(event.payload.id);
      else if (event.event === "presence") topbar.showPresence(event.payload.presence);
    })
    .then((stop) => {
      if (disposed) stop();
      else unsubscribe = stop;
    });

  // Ask for the state once subscribed; an event that arrives before the answer is newer.
  track(
    subscribed.then(() => {
      const before = banner.changes;
      return backend.connectionState().then((connection) => {
        if (banner.changes === before) banner.set(connection);
      });
    }),
  );
  track(backend.settings().then(() => {}, () => {}));
  track(list.load().catch(fail));
  list.render();

  return {
    element,
    settled,
    open,
    dispose() {
      disposed = true;
      unsubscribe?.();
      shortcuts.dispose();
      document.removeEventListener("dragover", swallowDrop);
      document.removeEventListener("drop", swallowDrop);
      if (redraw !== null) window.clearTimeout(redraw);
    },
  };
}
