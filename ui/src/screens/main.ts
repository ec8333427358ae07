/**
 * The main screen, composed of the components in `../components`: conversation list, chat
 * (header, messages, composer), templates and Info panels, pop-ups, dialogs, top bar, and the
 * keyboard. Everything it shows comes from the backend's local cache, so it works offline.
 *
 * This module owns the screen's one state object (`MainState`: who is signed in, which list,
 * which chat is open), subscribes to the backend's change feed, and tells the components what
 * changed. Components read the state but never write it; they report what the agent does
 * through their events, and the screen decides.
 */
import type { Agent, Backend, Change, Conversation, ShellEvent } from "../api";
import { el } from "../dom";
import type { Translate } from "../i18n";
import { ChatHeader } from "../components/chat-header";
import { Composer } from "../components/composer";
import { createContext, type Context, type MainState } from "../components/context";
import { addContactDialog, blockDialog, confirmDelete, internalChatDialog, transferDialog } from "../components/dialogs";
import { InfoPanel } from "../components/info-panel";
import { ConversationList } from "../components/list";
import { MessageList, PAGE } from "../components/message-list";
import { UnknownContactPopups } from "../components/popups";
import { Search } from "../components/search";
import { Shortcuts } from "../components/shortcuts";
import { startChat, type StartTarget } from "../components/start-chat";
import { FileDrops } from "../components/staged-files";
import { ConnectionBanner } from "../components/status";
import { TemplatesPanel } from "../components/templates-panel";
import { TopBar } from "../components/top-bar";
import { openSettings } from "./settings";
import { Administration } from "../components/administration";

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
  return new Main(container, options);
}

class Main implements MainScreen {
  readonly element: HTMLElement;
  readonly settled: () => Promise<void>;
  private readonly state: MainState;
  private readonly ctx: Context;
  private readonly topbar: TopBar;
  private readonly search: Search;
  private readonly banner: ConnectionBanner;
  private readonly list: ConversationList;
  private readonly header: ChatHeader;
  private readonly messages: MessageList;
  private readonly composer: Composer;
  private readonly drops: FileDrops;
  private readonly templates: TemplatesPanel;
  private readonly info: InfoPanel;
  private readonly popups: UnknownContactPopups;
  private readonly shortcuts: Shortcuts;
  private readonly chat: HTMLElement;
  private readonly emptyChat: HTMLElement;
  /** Chat loads can overlap: only the newest draws. */
  private chatSeq = 0;
  // Changes arrive in bursts: one redraw 50 ms after the first, of the list and, if it
  // changed, the open chat. Never two at once: changes during a redraw ask for one more after
  // it, so a steady flow of messages cannot queue reads faster than the cache answers them.
  private redraw: number | null = null;
  private redrawing = false;
  private redrawWanted = false;
  private chatDirty = false;
  /** The open chat's contact may have changed: redraw the info panel after the chat. */
  private infoDirty = false;
  private unsubscribe: (() => void) | null = null;
  private disposed = false;

  constructor(container: HTMLElement, options: Options) {
    const { backend, t, locale } = options;
    const { context, toast, settled } = createContext(backend, t, locale);
    const ctx = context;
    this.ctx = ctx;
    const { track, fail, dialogs } = ctx;
    this.settled = settled;
    const state: MainState = { me: options.agent, view: "recent", activeId: null, active: null };
    this.state = state;

    this.search = new Search(ctx, {
      open: (id) => void this.open(id),
      startChat: (target) => this.startChat(target),
    });
    this.topbar = new TopBar(ctx, state, this.search, {
      help: () => this.shortcuts.showHelp(),
      settings: () =>
        void track(
          openSettings({
            backend,
            t,
            showDialog: dialogs.show,
            hideDialog: dialogs.hide,
            showToast: ctx.toast,
            fail,
            track,
          }).catch(fail),
        ),
      administration: () => void track(new Administration(ctx, state.me).open().catch(fail)),
      logout: () => void track(backend.logout().then(() => this.signedOut(), fail)),
      presenceChanged: (agent) => (state.me = agent),
    });
    this.banner = new ConnectionBanner(t);

    this.list = new ConversationList(ctx, state, {
      open: (id) => void this.open(id),
      viewChanged: (view) => {
        state.view = view;
        this.close();
        void track(this.list.load().catch(fail));
      },
      newInternal: () =>
        internalChatDialog(ctx, state.me, async (c) => {
          await this.list.load();
          await this.open(c.id);
        }),
      loaded: (conversations) => {
        if (state.view === "recent") this.popups.offer(conversations);
      },
    });

    this.header = new ChatHeader(ctx, state, {
      take: () => void track(this.act((id) => backend.take(id))),
      transfer: () =>
        transferDialog(ctx, state.me, (extension) => void track(this.act((id) => backend.transfer(id, extension), true))),
      resolve: () => void track(this.act((id) => backend.resolve(id), true)),
      info: () => void track(this.showInfo().catch(fail)),
      endSession: () => {
        this.header.closeMenu();
        void track(this.act((id) => backend.endSession(id)).then(() => ctx.toast(t("chat.sessionEnded"))));
      },
      block: () => {
        this.header.closeMenu();
        blockDialog(ctx, (seconds, reason) =>
          void track(this.act((id) => backend.block(id, seconds, reason)).then(() => ctx.toast(t("block.done")))),
        );
      },
      archive: () => void track(this.act((id) => backend.archive(id), true)),
      unarchive: () => void track(this.act((id) => backend.unarchive(id), true)),
      delete: () => {
        this.header.closeMenu();
        confirmDelete(ctx, () => void track(this.act((id) => backend.deleteConversation(id), true)));
      },
    });
    this.messages = new MessageList(ctx, state);
    this.composer = new Composer(ctx, state, {
      toggleTemplates: () => this.toggleTemplates(),
      sent: () => this.loadChat(true),
      templateLanguage: (languages) => this.templates.pickerLanguage(languages),
    });
    this.drops = new FileDrops(ctx, (files) => {
      if (state.activeId && this.composer.writable) void track(this.composer.staged.drop(files).catch(fail));
    });
    this.emptyChat = el("div", { class: "empty-chat" }, t("chat.none"));
    this.chat = el(
      "section",
      { class: "chat", "data-testid": "chat" },
      this.header.element,
      this.messages.older,
      this.messages.element,
      this.composer.element,
      this.drops.hint,
    );
    this.chat.hidden = true;
    this.drops.watch(this.chat);

    this.templates = new TemplatesPanel(ctx, state, { use: (tpl) => this.composer.use(tpl) });
    this.info = new InfoPanel(ctx, state, {
      addContact: (c) => this.addContact(c),
      startChat: (target) => this.startChat(target),
    });
    this.popups = new UnknownContactPopups(ctx, {
      reply: (c) => void this.open(c.id).then(() => this.composer.focus()),
      addContact: (c, done) => this.addContact(c, done),
    });

    const workspace = el(
      "main",
      { class: "workspace" },
      this.list.element,
      this.emptyChat,
      this.chat,
      this.templates.element,
      this.info.element,
    );
    this.element = el(
      "div",
      { class: "app", "data-testid": "main-screen" },
      this.topbar.element,
      this.banner.element,
      workspace,
      this.popups.element,
      toast.element,
      dialogs.element,
    );
    container.replaceChildren(this.element);

    this.shortcuts = new Shortcuts(ctx, {
      step: (delta) => {
        const next = this.list.neighbour(delta);
        if (next) void this.open(next);
      },
      focusSearch: () => this.search.focus(),
      take: () => this.header.pressTake(),
      resolve: () => this.header.pressResolve(),
    });

    const subscribed = backend
      .onEvent((event: ShellEvent) => {
        if (event.event === "change") this.onChange(event.payload);
        else if (event.event === "open_conversation") void this.open(event.payload.id);
        else if (event.event === "presence") this.topbar.showPresence(event.payload.presence);
      })
      .then((stop) => {
        if (this.disposed) stop();
        else this.unsubscribe = stop;
      });
    // Ask for the state once subscribed; an event that arrives before the answer is newer.
    track(
      subscribed.then(() => {
        const before = this.banner.changes;
        return backend.connectionState().then((connection) => {
          if (this.banner.changes === before) this.banner.set(connection);
        });
      }),
    );
    track(backend.settings().then(() => {}, () => {}));
    track(this.list.load().catch(fail));
    this.list.render();
  }

  open = async (id: string): Promise<void> => {
    const { backend, track, fail } = this.ctx;
    if (this.state.activeId !== id) {
      this.state.activeId = id;
      this.messages.clear();
      this.composer.reset();
      this.templates.forgetLanguage();
    }
    this.chat.hidden = false;
    this.emptyChat.hidden = true;
    this.header.closeMenu();
    // Opening the chat answers its pop-up (Add contact stays in Info), which would otherwise
    // sit over the reply box's Send button.
    this.popups.dismiss(id);
    this.list.render();
    void backend.setActiveConversation(id);
    await track(this.loadChat(true).catch(fail));
    if (!this.templates.hidden) await track(this.templates.load());
  };

  dispose(): void {
    this.disposed = true;
    this.unsubscribe?.();
    this.shortcuts.dispose();
    this.drops.dispose();
    if (this.redraw !== null) window.clearTimeout(this.redraw);
  }

  private close(): void {
    this.state.activeId = null;
    this.state.active = null;
    this.messages.clear();
    this.chat.hidden = true;
    this.emptyChat.hidden = false;
    this.templates.hidden = true;
    this.info.hidden = true;
    void this.ctx.backend.setActiveConversation(null);
    this.list.render();
  }

  private async loadChat(stickToBottom = true): Promise<void> {
    const { backend } = this.ctx;
    if (!this.state.activeId) return;
    const id = this.state.activeId;
    const seq = ++this.chatSeq;
    const [conversation, page] = await Promise.all([
      backend.conversation(id),
      backend.messages(id, null, Math.max(PAGE, this.messages.count)),
    ]);
    if (id !== this.state.activeId || seq !== this.chatSeq) return;
    if (!conversation) {
      this.close();
      return;
    }
    this.state.active = conversation;
    this.header.show(conversation);
    this.composer.show(conversation);
    this.messages.show(page.messages, page.more, stickToBottom);
    const newest = this.messages.newest;
    if (conversation.unread > 0 && newest && !newest.id.startsWith("local")) {
      void backend.markRead(id, newest.id).catch(() => {});
    }
  }

  /** Runs an action on the open chat, then redraws (or closes it, when it leaves the list). */
  private async act(action: (id: string) => Promise<unknown>, closeAfter = false): Promise<void> {
    if (!this.state.activeId) return;
    this.header.closeMenu();
    try {
      await action(this.state.activeId);
      if (closeAfter) this.close();
      await this.list.load();
      if (this.state.activeId) await this.loadChat(false);
    } catch (thrown) {
      this.ctx.fail(thrown);
    }
  }

  private toggleTemplates(): void {
    const templates = this.templates;
    templates.hidden = !templates.hidden;
    if (!templates.hidden) this.info.hidden = true;
    if (!templates.hidden) void this.ctx.track(templates.load().catch(this.ctx.fail));
  }

  private async showInfo(): Promise<void> {
    if (!this.state.active) return;
    this.header.closeMenu();
    this.templates.hidden = true;
    await this.info.show(this.state.active);
  }

  private addContact(c: Conversation, after?: () => void): void {
    addContactDialog(this.ctx, c, () => {
      after?.();
      // The server's contact change redraws the chat and the info panel when it arrives.
      this.infoDirty = true;
    });
  }

  /** "Send SMS" / "Send WhatsApp" on a contact: their open chat of that kind, or a new one. */
  private startChat(target: StartTarget): void {
    const { track, fail } = this.ctx;
    void track(
      startChat(this.ctx, target, async (id) => {
        await this.list.load();
        await this.open(id);
        this.composer.focus();
      }).catch(fail),
    );
  }

  private signedOut(): void {
    this.element.dispatchEvent(new CustomEvent(SIGNED_OUT_EVENT, { bubbles: true }));
  }

  // ----- the change feed -----

  private scheduleRedraw(chatToo: boolean): void {
    this.chatDirty ||= chatToo;
    this.redrawWanted = true;
    if (this.redraw !== null || this.redrawing || this.disposed) return;
    this.redraw = window.setTimeout(() => {
      this.redraw = null;
      void this.ctx.track(this.redrawNow());
    }, 50);
  }

  private async redrawNow(): Promise<void> {
    const { fail } = this.ctx;
    this.redrawing = true;
    this.redrawWanted = false;
    const withChat = this.chatDirty && this.state.activeId !== null;
    this.chatDirty = false;
    const withInfo = this.infoDirty && !this.info.hidden;
    this.infoDirty = false;
    await Promise.all([
      this.list.load().catch(fail),
      withChat
        ? this.loadChat(true)
            .then(() => (withInfo ? this.showInfo() : undefined))
            .catch(fail)
        : undefined,
    ]);
    this.redrawing = false;
    if (this.redrawWanted) this.scheduleRedraw(false);
  }

  private onChange(change: Change): void {
    const activeId = this.state.activeId;
    switch (change.kind) {
      case "conversation_upserted":
        if (change.id === activeId) this.infoDirty = true;
        this.scheduleRedraw(change.id === activeId);
        break;
      case "conversation_removed":
        if (change.id === activeId) this.close();
        this.scheduleRedraw(false);
        break;
      case "messages_changed":
        this.scheduleRedraw(change.conversation_id === activeId);
        break;
      case "conversations_reloaded":
      case "resync":
        this.scheduleRedraw(true);
        break;
      case "templates_changed":
        if (!this.templates.hidden) void this.ctx.track(this.templates.load().catch(this.ctx.fail));
        break;
      case "contacts_changed":
        this.infoDirty = true;
        this.scheduleRedraw(true);
        break;
      case "upload_progress":
        this.messages.uploadProgress(change.client_id, change.sent, change.total);
        break;
      case "connection":
        this.banner.set(change.state);
        break;
      case "session_expired":
        this.signedOut();
        break;
      default:
        break;
    }
  }
}
