// An agent (or a visitor) on the server's APIs straight from Node (no browser), for tests
// that drive the other side in a browser: `request` sends an action and resolves with the
// response payload (or throws its error), `push` waits for a push whose payload passes a
// predicate.
import WebSocket from "ws";
import { AGENT_TOKEN } from "./support.mjs";

/** Signs an agent in on `server` and keeps every frame it receives. */
export async function connectAgent(server, token = AGENT_TOKEN) {
  return connect(server, "/v3.5/agent/rtm/ws", token);
}

/** A new visitor of license 1 on `server`, with a token from the token endpoint. */
export async function connectCustomer(server) {
  const answer = await fetch(`${server.url}/customer/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ license_id: 1 }),
  });
  return connect(server, "/v3.5/customer/rtm/ws?license_id=1", (await answer.json()).access_token);
}

/** A socket at `path`, logged in with `token`, keeping every frame it receives. */
async function connect(server, path, token) {
  const socket = new WebSocket(`${server.url.replace(/^http/, "ws")}${path}`);
  const frames = [];
  const waiters = new Set();
  socket.on("message", (data) => {
    const frame = JSON.parse(data.toString());
    frames.push(frame);
    for (const waiter of waiters) waiter.check(frame);
  });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });

  /** The first frame, kept or still to come, that passes `test`. */
  const frame = (test, what, timeout = 15000) => {
    const found = frames.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = {
        check(candidate) {
          if (!test(candidate)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve(candidate);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`the agent waited ${timeout} ms for ${what}`));
      }, timeout);
      waiters.add(waiter);
    });
  };

  let next = 0;
  const request = async (action, payload = {}) => {
    const id = `agent-${++next}`;
    socket.send(JSON.stringify({ request_id: id, action, payload }));
    const response = await frame((candidate) => candidate.type === "response" && candidate.request_id === id, `the answer to ${action}`);
    if (!response.success) throw new Error(`${action}: ${JSON.stringify(response.payload)}`);
    return response.payload;
  };
  const login = await request("login", { token: `Bearer ${token}` });
  return {
    /** The answer to `login`. */
    login,
    request,
    /** The first push named `action` (or one of several names) whose payload passes `where`. */
    push: async (action, where = () => true, timeout) => {
      const names = [action].flat();
      const test = (candidate) => candidate.type === "push" && names.includes(candidate.action) && where(candidate.payload, candidate.action);
      return (await frame(test, `a ${names.join(" or ")} push`, timeout)).payload;
    },
    /** Every push named `action` received so far. */
    pushes: (action) => frames.filter((candidate) => candidate.type === "push" && candidate.action === action).map((candidate) => candidate.payload),
    close: () => socket.close(),
  };
}
