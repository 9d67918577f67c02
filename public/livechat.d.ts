// Type declarations for the live chat host-page API: the `livechat` global installed by
// embed.js. Copy this file into a TypeScript project (or reference it) to type the calls.
//
// Before the loader has arrived only the snippet's methods exist (embed.init, popup.init,
// on, once, off, call); they queue and run in order once it has. Getters and status()
// answer `undefined` until then.

export {};

declare global {
  interface Window {
    livechat: LiveChat.Api;
  }
  const livechat: LiveChat.Api;

  namespace LiveChat {
    /** Page states of the chat bar (`page` option and `embed.page`). */
    type PageState = "start-online" | "online" | "start-offline" | "offline" | "hidden" | "mini";
    /** `embed.page` also accepts `chat`: open an interactive chat. */
    type PageCall = PageState | "chat";
    type Side = "left" | "right";
    type PopupMode = "custom" | "bubble";
    type BubbleType = "right1" | "right2" | "right3" | "left1" | "left2" | "left3";

    /** Options shared by `embed.init` and `popup.init`. */
    interface SharedOptions extends Callbacks {
      /** Required. A license number (API v3.2) or an organization id (API v3.5). */
      account: string | number;
      /** Heading of the chat window (default "Chat with us"). */
      title?: string;
      /** UI language, e.g. "en" or "pt-BR". */
      lang?: string;
      /** Side of the chat bar (default "right"). */
      side?: Side;
      /** Keep one session per host name instead of sharing it across the site's domains. */
      session_per_host?: boolean;
      /** Show the bubble (default true). */
      bubble?: boolean;
      /** Custom CSS applied inside the chat window. */
      css_text?: string;
      /** URL of a stylesheet for the chat window. */
      css_file?: string;
      /** Force the mobile (full-screen) layout on or off; default: by screen width. */
      mobile?: boolean;
      /** Colour scheme of the chat window (default "auto"). */
      theme?: "light" | "dark" | "auto";
      /** How the visitor rates a chat (default "thumbs"). */
      rating?: "thumbs" | "stars";
      /** Sound on new messages (default true). */
      sound?: boolean;
      /** Visitor's name, prefilled (blank when the visitor is not logged in). */
      c_name?: string;
      /** Name shown to operators only. */
      c_name_byop?: string;
      /** Visitor's email, prefilled. */
      c_email?: string;
      /** Visitor's phone, prefilled. */
      c_phone?: string;
      url_contact?: string;
      url_faq?: string;
      /** Privacy policy; when set, consent is asked before email or phone is sent. */
      url_privacy?: string;
      /** The site's token for the signed-in visitor (e.g. its session id): the server posts
       * it to the account's verification URL and shows the answer to agents, never the value. */
      custom?: string;
      /** Departments (group ids) chats may go to, e.g. "2,5" (empty: all). */
      departments?: string | number[];
      /** Agents (agent ids) chats may go to, e.g. "anna@example.com,bob@example.com" (empty: all). */
      operators?: string | Array<string | number>;
      /** Where visitors pick their agent: agents also listed under further departments, by
       * department name (made up when no department has it) or id: `{ "Anna": ["Returns", 2] }`. */
      clone_operators?: Record<string, Array<string | number>>;
      /** Goal pages: a URL or URLs, `*` matching anything. */
      target?: string | string[];
    }

    interface EmbedOptions extends SharedOptions {
      /** The site signs visitors in itself: returns (a promise of) an access token the
       *  site's back end got from the chat server's token endpoint. Asked again when a
       *  token expires. */
      identity_provider?: () => { access_token: string } | Promise<{ access_token: string }>;
      /** Initial page state (default "start-online"). */
      page?: PageState;
      /** Inline mode: mount the chat inside this element (or the first match of a selector). */
      container?: Element | string;
    }

    interface PopupOptions extends SharedOptions {
      /** "custom" (default): popup.init opens the window; "bubble": a bubble opens it. */
      mode?: PopupMode;
      /** Bubble side and style for mode "bubble". */
      btype?: BubbleType;
    }

    /** `page("chat", params)`. */
    interface ProactiveChat {
      message?: string;
      departments?: string | number[];
      operators?: string | Array<string | number>;
      department_name?: string;
      operator_name?: string;
      operator_photo?: string;
    }

    interface LoadData {
      page: PageState | "popup";
      /** Whether an operator is online; null until the widget has connected. */
      online: boolean | null;
    }
    interface ChangeData {
      chat_status: "min" | "res" | "max";
      ticket: string | null;
    }
    interface ChatData {
      ticket: string;
      initiator: "client" | "operator" | "api" | "trigger";
    }
    interface RatingData {
      ticket: string;
      name?: string;
      email?: string;
      phone?: string;
      /** 1 to 5 stars. */
      rating: number;
      message?: string;
      operator_id?: string;
      department_id?: string;
    }
    interface OfflineMessageData {
      name?: string;
      email?: string;
      phone?: string;
      message: string;
      operator_id?: string;
    }
    interface TriggerData {
      id: string;
      title: string;
    }
    interface NameRequiredData {
      accepted: boolean;
      name?: string;
    }
    interface EmailRequiredData {
      accepted: boolean;
      email?: string;
    }
    interface PhoneRequiredData {
      accepted: boolean;
      phone?: string;
    }

    interface Callbacks {
      onload?: (data: LoadData) => void;
      onchange?: (data: ChangeData) => void;
      onchatstart?: (data: ChatData) => void;
      onchatopened?: (data: ChatData) => void;
      onchatrating?: (data: RatingData) => void;
      onofflinemessage?: (data: OfflineMessageData) => void;
      ontrigger?: (data: TriggerData) => void;
      onnamerequired?: (data: NameRequiredData) => void;
      onemailrequired?: (data: EmailRequiredData) => void;
      onphonerequired?: (data: PhoneRequiredData) => void;
    }

    /** `livechat.get("state")`. */
    interface State {
      availability: "online" | "offline" | null;
      visibility: "maximized" | "minimized" | "hidden";
      page: PageCall | null;
      connection: "idle" | "connecting" | "online" | "reconnecting" | "paused" | "stopped";
      /** Whether the widget frame has loaded (it loads on intent). */
      loaded: boolean;
    }
    /** `livechat.get("customer_data")`. */
    interface CustomerData {
      id: string | null;
      name: string | null;
      email: string | null;
      status: "chatting" | "browsing";
      sessionVariables: Record<string, string>;
    }
    /** `livechat.get("chat_data")`. */
    interface ChatDataSnapshot {
      chatId: string | null;
      threadId: string | null;
      active: boolean;
      unread: number;
    }

    /** Every event `livechat.on` accepts, with its data. */
    interface Events {
      load: LoadData;
      change: ChangeData;
      chatstart: ChatData;
      chatopened: ChatData;
      chatrating: RatingData;
      offlinemessage: OfflineMessageData;
      trigger: TriggerData;
      namerequired: NameRequiredData;
      emailrequired: EmailRequiredData;
      phonerequired: PhoneRequiredData;
      ready: { state: State; customer_data: CustomerData; chat_data: ChatDataSnapshot };
      visibility_changed: { visibility: State["visibility"] };
      availability_changed: { availability: "online" | "offline" };
      customer_status_changed: { status: CustomerData["status"] };
      page_changed: { page: PageCall; previous: PageCall };
    }

    interface Getters {
      state: State;
      customer_data: CustomerData;
      chat_data: ChatDataSnapshot;
    }

    /** `livechat.call(name, ...args)`: each resolves once done (or at once after stop()). */
    interface Commands {
      maximize(options?: { messageDraft?: string }): Promise<void>;
      minimize(): Promise<void>;
      hide(): Promise<void>;
      destroy(): Promise<void>;
      hide_greeting(): Promise<void>;
      set_customer_name(name: string): Promise<void>;
      set_customer_email(email: string): Promise<void>;
      set_session_variables(variables: Record<string, string>): Promise<void>;
      update_session_variables(variables: Record<string, string>): Promise<void>;
    }

    interface EmbedStatus {
      state: "idle" | "running" | "stopped";
      page: PageCall | null;
      side: Side;
      bubble: boolean;
      open: boolean;
      visibility: State["visibility"];
      loaded: boolean;
      online: boolean | null;
    }

    interface Embed {
      /** Options read by `init()` when it is called without arguments. */
      options?: EmbedOptions;
      init(options?: EmbedOptions): void;
      status(): EmbedStatus;
      /** Removes the chat bar; later calls do nothing until the next `init`. */
      stop(): void;
      /** Opens the chat window if minimised, minimises it if open. */
      flip(): void;
      bubble(show: boolean): void;
      /** Starts again with the same options (e.g. after a History-API navigation). */
      reload(): void;
      switch_side(side: Side): void;
      page(state: PageCall, params?: ProactiveChat): void;
    }

    interface Popup {
      init(options: PopupOptions): void;
      status(): "open" | "closed" | "stopped";
      /** Closes the window and removes the popup bubble. */
      stop(): void;
      /** Closes the window only. */
      close(): void;
    }

    interface Api {
      embed: Embed;
      popup: Popup;
      /** Listens to an event; returns a function that stops listening. */
      on<K extends keyof Events>(name: K, callback: (data: Events[K]) => void): () => void;
      /** Like `on`, for the next occurrence only. */
      once<K extends keyof Events>(name: K, callback: (data: Events[K]) => void): () => void;
      /** Removes one listener, or all listeners of the event without `callback`. */
      off<K extends keyof Events>(name: K, callback?: (data: Events[K]) => void): void;
      get<K extends keyof Getters>(name: K): Getters[K];
      call<K extends keyof Commands>(name: K, ...args: Parameters<Commands[K]>): ReturnType<Commands[K]>;
    }
  }
}
