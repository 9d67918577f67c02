// The official LiveChat Customer SDK 4.0.2 against our server, on both URL families
// (/v3.5 with organization_id, /v3.2 with license_id): every flow a site builds on the SDK,
// asserting on what its promises and events deliver, and failing on anything the SDK
// throws or logs. The agent answers through our agent API.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ROOT, freePort, launchBrowser, startServer } from "./support.mjs";
import { FAMILIES, call, callFails, connectAgent, openSdk, startSite, visitorContext, waitEvent, wire } from "./sdk-support.mjs";

const CONFIG = join(ROOT, "e2e", "config", "sdk.toml");

let browser;
let server;
let site;
let agent;

before(async () => {
  browser = await launchBrowser();
  server = await startServer({ config: CONFIG });
  site = await startSite();
  agent = await connectAgent(browser, server);
});

after(async () => {
  await agent?.close();
  await browser?.close();
  await server?.stop();
  await site?.close();
});

/** A visitor with the SDK connected: page, recorded errors and the `connected` payload. */
async function visitor(family) {
  const visitor = await visitorContext(browser, server, family, site);
  const sdk = await openSdk(visitor, site);
  return { visitor, ...sdk };
}

/** Starts a chat with a first message and waits until the agent has it. */
async function chatWithAgent(page, text, to = agent) {
  const started = await call(page, "startChat", { chat: { thread: { events: [{ type: "message", text }] } } });
  const arrived = await to.push("incoming_chat", `payload.chat.id === ${JSON.stringify(started.chat.id)}`);
  assert.equal(arrived.payload.chat.thread.events[0].text, text);
  return started;
}

/** No push reached the page tagged with a request id other than a request's own result. */
async function assertOnlyResultsTagged(page) {
  const tagged = (await wire(page)).filter((frame) => frame.type === "push" && "request_id" in frame);
  for (const frame of tagged) {
    assert.ok(["incoming_chat", "incoming_event"].includes(frame.action), `a ${frame.action} push carried request_id ${frame.request_id}`);
  }
}

for (const family of FAMILIES) {
  describe(`the Customer SDK over ${family.name}`, { concurrency: 1 }, () => {
    test("logs in with the server's token and reports availability and the customer", async () => {
      const { visitor: seen, page, errors, connected } = await visitor(family);
      assert.equal(connected.availability, "online", "the demo agent accepts chats");
      assert.match(connected.customer.id, /^[0-9a-f-]{36}$/);
      assert.equal(connected.customer.type, "customer");
      assert.equal(connected.customer.statistics.visitsCount, 1);
      assert.equal(connected.customer.statistics.chatsCount, 0);
      assert.equal(await waitEvent(page, "customer_id"), connected.customer.id);
      assert.equal(seen.tokens, 1);
      const statuses = await call(page, "listGroupStatuses");
      assert.deepEqual(statuses, { 0: "online" });
      const predicted = await call(page, "getPredictedAgent", { groupId: 0 });
      assert.equal(predicted.agent.name, "Anna");
      assert.equal(predicted.queue, false);

      // The agent stops accepting chats: the SDK hears the group go offline.
      await agent.request("set_routing_status", { status: "not_accepting_chats" });
      assert.deepEqual(await waitEvent(page, "availability_updated", { where: `data.availability === "offline"` }), { availability: "offline" });
      await agent.request("set_routing_status", { status: "accepting_chats" });
      await waitEvent(page, "availability_updated", { where: `data.availability === "online"` });
      assert.deepEqual(errors, []);
      await seen.context.close();
    });

    test("starts a chat, sends and receives, and sees what the agent sees", async () => {
      const { visitor: seen, page, errors } = await visitor(family);
      const started = await call(page, "startChat", { chat: { thread: { events: [{ type: "message", text: "Hello from the SDK", customId: "first" }] } } });
      assert.match(started.chat.id, /\w+/);
      assert.equal(started.chat.thread.active, true);
      assert.equal(started.chat.thread.events[0].text, "Hello from the SDK");
      assert.equal(started.chat.thread.events[0].customId, "first");
      const chatId = started.chat.id;
      await agent.push("incoming_chat", `payload.chat.id === ${JSON.stringify(chatId)}`);

      const sent = await call(page, "sendEvent", { chatId, event: { type: "message", text: "Second message", customId: "second" } });
      assert.equal(sent.text, "Second message");
      assert.equal(sent.customId, "second");
      assert.equal(sent.type, "message");
      assert.match(sent.id, /\w+_\d+/);
      await agent.push("incoming_event", `payload.chat_id === ${JSON.stringify(chatId)} && payload.event.text === "Second message"`);

      await agent.request("send_event", { chat_id: chatId, event: { type: "message", text: "Hi, Anna here" } });
      const reply = await waitEvent(page, "incoming_event", { where: `data.event.text === "Hi, Anna here"` });
      assert.equal(reply.chatId, chatId);
      assert.equal(reply.event.authorId, "anna@acme.example");
      const joined = await waitEvent(page, "user_added_to_chat", { where: `data.user.id === "anna@acme.example"` });
      assert.equal(joined.user.name, "Anna");

      const chat = await call(page, "getChat", { chatId });
      assert.equal(chat.id, chatId);
      assert.deepEqual(chat.access, { groupIds: [0] });
      assert.deepEqual(chat.thread.events.filter((event) => event.type === "message").map((event) => event.text), ["Hello from the SDK", "Second message", "Hi, Anna here"]);
      const list = await call(page, "listChats");
      assert.equal(list.chatsSummary.length, 1);
      assert.equal(list.chatsSummary[0].id, chatId);
      assert.equal(list.chatsSummary[0].active, true);
      assert.equal(list.chatsSummary[0].lastEvent.text, "Hi, Anna here");
      assert.equal(list.totalChats, 1);

      // A retried event (same custom id) is stored once.
      const again = await call(page, "sendEvent", { chatId, event: { type: "message", text: "Second message", customId: "second" } });
      assert.equal(again.id, sent.id);
      await assertOnlyResultsTagged(page);
      assert.deepEqual(errors, []);
      await seen.context.close();
    });

    test("deactivates a chat and resumes it", async () => {
      const { visitor: seen, page, errors } = await visitor(family);
      const { chat } = await chatWithAgent(page, "Let's talk");
      // SDK 4.0.2 resolves deactivateChat with nothing (it has no parser for that answer);
      // the push says what happened.
      assert.equal(await call(page, "deactivateChat", { id: chat.id }), undefined);
      assert.deepEqual(await waitEvent(page, "chat_deactivated"), { chatId: chat.id });
      const closing = await waitEvent(page, "incoming_event", { where: `data.event.systemMessageType === "manual_archived_customer"` });
      assert.equal(closing.event.systemMessageType, "manual_archived_customer");
      assert.equal(await callFails(page, "sendEvent", { chatId: chat.id, event: { type: "message", text: "too late" } }), "CHAT_INACTIVE");
      assert.equal(await callFails(page, "startChat"), "CHAT_LIMIT_REACHED");

      const resumed = await call(page, "resumeChat", { chat: { id: chat.id, thread: { events: [{ type: "message", text: "I'm back" }] } } });
      assert.equal(resumed.chat.id, chat.id);
      assert.equal(resumed.chat.thread.active, true);
      assert.equal(resumed.chat.thread.events[0].text, "I'm back");
      assert.notEqual(resumed.chat.thread.id, chat.thread.id);
      assert.equal(resumed.chat.thread.previousThreadId, chat.thread.id);
      assert.equal(await callFails(page, "resumeChat", { chat: { id: chat.id } }), "CHAT_ALREADY_ACTIVE");
      await assertOnlyResultsTagged(page);
      assert.deepEqual(errors, []);
      await seen.context.close();
    });

    test("two tabs of one visitor share the customer and see each other's messages", async () => {
      const seen = await visitorContext(browser, server, family, site);
      const one = await openSdk(seen, site);
      const two = await openSdk(seen, site);
      assert.equal(two.connected.customer.id, one.connected.customer.id);
      assert.equal(seen.tokens, 1, "the second tab reuses the stored token");
      const { chat } = await chatWithAgent(one.page, "From tab one");
      const incoming = await waitEvent(two.page, "incoming_chat");
      assert.equal(incoming.chat.id, chat.id);
      await call(two.page, "sendEvent", { chatId: chat.id, event: { type: "message", text: "From tab two" } });
      const echoed = await waitEvent(one.page, "incoming_event", { where: `data.event.text === "From tab two"` });
      assert.equal(echoed.chatId, chat.id);
      for (const tab of [one, two]) await assertOnlyResultsTagged(tab.page);
      assert.deepEqual([...one.errors, ...two.errors], []);
      await seen.context.close();
    });

    test("updates the customer and their session fields", async () => {
      const { visitor: seen, page, errors, connected } = await visitor(family);
      assert.deepEqual(await call(page, "updateCustomer", { name: "Ada Lovelace", email: "ada@example.com", sessionFields: { plan: "gold" } }), { success: true });
      const updated = await waitEvent(page, "customer_updated");
      assert.equal(updated.id, connected.customer.id);
      assert.equal(updated.name, "Ada Lovelace");
      assert.equal(updated.email, "ada@example.com");
      assert.deepEqual(updated.sessionFields, { plan: "gold" });
      assert.deepEqual(await call(page, "setCustomerSessionFields", { sessionFields: { plan: "platinum", team: "blue" } }), { success: true });
      const customer = await call(page, "getCustomer");
      assert.equal(customer.name, "Ada Lovelace");
      assert.deepEqual(customer.sessionFields, { plan: "platinum", team: "blue" });
      assert.equal(customer.statistics.visitsCount, 1);
      await call(page, "updateCustomerPage", { url: "https://shop.example/tents", title: "Tents" });
      const seenByAgent = await agent.push("customer_page_updated", `payload.url === "https://shop.example/tents"`);
      assert.equal(seenByAgent.payload.title, "Tents");
      await assertOnlyResultsTagged(page);
      assert.deepEqual(errors, []);
      await seen.context.close();
    });

    test("sets and deletes chat and thread properties", async () => {
      const { visitor: seen, page, errors } = await visitor(family);
      const started = await call(page, "startChat", { chat: { properties: { source: { channel: "sdk" } }, thread: { properties: { topic: { name: "tents" } } } } });
      const { chat } = started;
      assert.deepEqual(chat.properties, { source: { channel: "sdk" } });
      assert.deepEqual(chat.thread.properties, { topic: { name: "tents" } });
      assert.deepEqual(await call(page, "updateChatProperties", { id: chat.id, properties: { source: { campaign: "spring" } } }), { success: true });
      assert.deepEqual(await waitEvent(page, "chat_properties_updated"), { chatId: chat.id, properties: { source: { campaign: "spring" } } });
      assert.deepEqual(await call(page, "deleteChatProperties", { id: chat.id, properties: { source: ["channel"] } }), { success: true });
      await waitEvent(page, "chat_properties_deleted");
      await call(page, "updateThreadProperties", { chatId: chat.id, threadId: chat.thread.id, properties: { topic: { size: "4p" } } });
      const threadUpdate = await waitEvent(page, "thread_properties_updated", { where: `data.properties.topic` });
      assert.deepEqual(threadUpdate, { chatId: chat.id, threadId: chat.thread.id, properties: { topic: { size: "4p" } } });
      const fresh = await call(page, "getChat", { chatId: chat.id });
      assert.deepEqual(fresh.properties, { source: { campaign: "spring" } });
      assert.deepEqual(fresh.thread.properties, { topic: { name: "tents", size: "4p" } });
      await assertOnlyResultsTagged(page);
      assert.deepEqual(errors, []);
      await seen.context.close();
    });

    test("rates the chat and cancels the rating", async () => {
      const { visitor: seen, page, errors } = await visitor(family);
      const { chat } = await chatWithAgent(page, "Rate me");
      assert.deepEqual(await call(page, "rateChat", { chatId: chat.id, rating: { score: 1, comment: "Great help" } }), { success: true });
      const rated = await waitEvent(page, "thread_properties_updated", { where: `data.properties.rating` });
      assert.deepEqual(rated.properties.rating, { score: 1, comment: "Great help" });
      const note = await waitEvent(page, "incoming_event", { where: `data.event.systemMessageType === "rating.chat_rated"` });
      assert.match(note.event.text, /rated the chat as good/);
      assert.deepEqual(await call(page, "cancelRate", { chatId: chat.id, properties: ["score", "comment"] }), { success: true });
      await waitEvent(page, "thread_properties_deleted");
      await waitEvent(page, "incoming_event", { where: `data.event.systemMessageType === "rating.chat_rating_canceled"` });
      const after = await call(page, "getChat", { chatId: chat.id });
      assert.equal(after.thread.properties.rating, undefined);
      await assertOnlyResultsTagged(page);
      assert.deepEqual(errors, []);
      await seen.context.close();
    });

    test("uploads a file and shares it in the chat", async () => {
      const { visitor: seen, page, errors } = await visitor(family);
      const { chat } = await chatWithAgent(page, "Here is a photo");
      const uploaded = await page.evaluate(async () => {
        // A 2×1 PNG.
        const bytes = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAAEUlEQVR4nGP8z8DwnwEIGGEMADQ6Av9kZX5bAAAAAElFTkSuQmCC"), (c) => c.charCodeAt(0));
        const file = new File([bytes], "tent.png", { type: "image/png" });
        const progress = [];
        const upload = window.sdk.uploadFile({ file, onProgress: (value) => progress.push(value) });
        const result = await upload.promise;
        return { result, progress };
      });
      assert.match(uploaded.result.url, /\/uploads\//);
      assert.ok(uploaded.progress.length > 0 && uploaded.progress.every((value) => value >= 0 && value <= 1));
      const sent = await call(page, "sendEvent", { chatId: chat.id, event: { type: "file", url: uploaded.result.url } });
      assert.equal(sent.type, "file");
      assert.equal(sent.name, "tent.png");
      assert.equal(sent.contentType, "image/png");
      assert.equal(sent.width, 2);
      assert.equal(sent.height, 1);
      assert.equal(sent.thumbnails.default.url, uploaded.result.url);
      const atAgent = await agent.push("incoming_event", `payload.chat_id === ${JSON.stringify(chat.id)} && payload.event.type === "file"`);
      assert.equal(atAgent.payload.event.url, uploaded.result.url);
      // Too big for the SDK: refused before anything is sent.
      const tooBig = await page.evaluate(() =>
        window.sdk.uploadFile({ file: new File([new Uint8Array(10 * 1024 * 1024 + 1)], "big.bin") }).promise.then(
          () => "accepted",
          (error) => error.code,
        ),
      );
      assert.equal(tooBig, "TOO_BIG_FILE");
      assert.deepEqual(errors, []);
      await seen.context.close();
    });

    test("pages through the chat history, oldest threads last", async () => {
      const { visitor: seen, page, errors } = await visitor(family);
      const { chat } = await chatWithAgent(page, "thread 0");
      for (let n = 1; n <= 3; n++) {
        await call(page, "deactivateChat", { id: chat.id });
        const texts = Array.from({ length: 12 }, (_, i) => ({ type: "message", text: `thread ${n} message ${i}` }));
        await call(page, "resumeChat", { chat: { id: chat.id, thread: { events: texts } } });
      }
      const pages = await page.evaluate(async (chatId) => {
        const history = window.sdk.getChatHistory({ chatId });
        const pages = [];
        for (;;) {
          const { value, done } = await history.next();
          if (value) pages.push(value.threads.map((thread) => ({ id: thread.id, events: thread.events.length, first: thread.events[0]?.text })));
          if (done) return pages;
        }
      }, chat.id);
      // 25 events at least per page: the two newest threads (13 + 13), then the rest.
      assert.equal(pages.length, 2);
      assert.deepEqual(pages[0].map((thread) => thread.first), ["thread 2 message 0", "thread 3 message 0"]);
      assert.deepEqual(pages[1].map((thread) => thread.first), ["thread 0", "thread 1 message 0"]);
      const threads = await call(page, "listThreads", { chatId: chat.id, limit: 1 });
      assert.equal(threads.threads.length, 1);
      assert.ok(threads.nextPageId);
      const older = await call(page, "listThreads", { chatId: chat.id, pageId: threads.nextPageId });
      assert.equal(older.threads[0].events[0].text, "thread 2 message 0");
      assert.equal(older.previousPageId !== null, true);
      assert.deepEqual(errors, []);
      await seen.context.close();
    });

    test("sends sneak peeks and read receipts, and sees the agent's", async () => {
      const { visitor: seen, page, errors, connected } = await visitor(family);
      const { chat } = await chatWithAgent(page, "Watch me type");
      await agent.request("send_event", { chat_id: chat.id, event: { type: "message", text: "I'm here" } });
      const reply = await waitEvent(page, "incoming_event", { where: `data.event.text === "I'm here"` });
      await call(page, "setSneakPeek", { chatId: chat.id, sneakPeekText: "Is the blue tent" });
      const peek = await agent.push("incoming_sneak_peek", `payload.chat_id === ${JSON.stringify(chat.id)}`);
      assert.equal(peek.payload.sneak_peek.text, "Is the blue tent");
      assert.deepEqual(await call(page, "markEventsAsSeen", { chatId: chat.id, seenUpTo: reply.event.createdAt }), { success: true });
      const receipt = await agent.push("events_marked_as_seen", `payload.user_id === ${JSON.stringify(connected.customer.id)}`);
      assert.equal(receipt.payload.seen_up_to, reply.event.createdAt);
      await agent.request("send_typing_indicator", { chat_id: chat.id, is_typing: true });
      const typing = await waitEvent(page, "incoming_typing_indicator");
      assert.deepEqual(typing, { chatId: chat.id, typingIndicator: { authorId: "anna@acme.example", isTyping: true } });
      await agent.request("mark_events_as_seen", { chat_id: chat.id, seen_up_to: reply.event.createdAt });
      const agentSeen = await waitEvent(page, "events_marked_as_seen", { where: `data.userId === "anna@acme.example"` });
      assert.equal(agentSeen.chatId, chat.id);
      assert.deepEqual(errors, []);
      await seen.context.close();
    });
  });
}

// Slow on purpose (a minute of waiting each): the two families run side by side.
// QUICK=1 skips them while working on the other flows.
const slow = { skip: process.env.QUICK ? "QUICK is set" : false };

describe("the Customer SDK over time", { concurrency: 2, ...slow }, () => {
  for (const family of FAMILIES) {
    test(`stays connected through 45 idle seconds on websocket pings and renews an expired token (${family.name})`, async () => {
      const { visitor: seen, page, errors } = await visitor(family);
      const { chat } = await chatWithAgent(page, "Going quiet");
      // The SDK sends no protocol pings: the server's websocket pings must keep it.
      await new Promise((resolve) => setTimeout(resolve, 45_000));
      assert.deepEqual((await page.evaluate(() => window.__events)).filter((event) => event.name === "disconnected"), []);
      await agent.request("send_event", { chat_id: chat.id, event: { type: "message", text: "Still there?" } });
      await waitEvent(page, "incoming_event", { where: `data.event.text === "Still there?"` });
      // The token lives 60 s: the server says so, the SDK fetches another and logs in again.
      const gone = await waitEvent(page, "disconnected", { timeout: 30_000 });
      assert.equal(gone.reason, "access_token_expired");
      const back = await waitEvent(page, "connected", { n: 1 });
      assert.equal(back.customer.id, (await waitEvent(page, "connected")).customer.id);
      assert.equal(seen.tokens, 2);
      const sent = await call(page, "sendEvent", { chatId: chat.id, event: { type: "message", text: "Yes!" } });
      assert.equal(sent.text, "Yes!");
      assert.deepEqual(errors, []);
      await seen.context.close();
    });
  }
});

test("the SDK reconnects and carries on after the server restarts mid-chat", slow, async () => {
  const family = FAMILIES[0];
  const port = await freePort();
  let own = await startServer({ port, config: CONFIG });
  const ownAgent = await connectAgent(browser, own);
  const seen = await visitorContext(browser, own, family, site);
  const { page, errors } = await openSdk(seen, site);
  const started = await chatWithAgent(page, "Before the restart", ownAgent);
  await ownAgent.close();

  await own.stop({ keep: true });
  const lost = await waitEvent(page, "disconnected");
  assert.ok(["connection_lost", "service_temporarily_unavailable"].includes(lost.reason), lost.reason);
  own = await startServer({ port, dir: own.dir, config: CONFIG });
  const back = await waitEvent(page, "connected", { n: 1, timeout: 60_000 });
  assert.equal(back.customer.statistics.chatsCount, 1);
  const sent = await call(page, "sendEvent", { chatId: started.chat.id, event: { type: "message", text: "After the restart" } });
  assert.equal(sent.text, "After the restart");
  const chat = await call(page, "getChat", { chatId: started.chat.id });
  assert.deepEqual(chat.thread.events.filter((event) => event.type === "message").map((event) => event.text), ["Before the restart", "After the restart"]);
  // While the server was down the browser reported failed connections; the SDK itself
  // logged and threw nothing.
  assert.deepEqual(errors.filter((error) => !/WebSocket connection to .* failed|Failed to load resource/.test(error)), []);
  await seen.context.close();
  await own.stop();
});
