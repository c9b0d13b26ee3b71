// An unmodified automerge-repo client, driven line by line over stdin/stdout
// by the Rust tests. Each input line is a JSON command; each answer a JSON line.
//   {"cmd":"create","title":"..."}          -> {"url":"automerge:..."}
//   {"cmd":"wait","url":"...","contains":"..."} -> {"title":"..."} once the title contains it
//   {"cmd":"append","url":"...","text":"..."}   -> {"done":true}
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import { splice } from "@automerge/automerge"
import * as readline from "node:readline"

const server = process.argv[2]
const repo = new Repo({ network: [new WebSocketClientAdapter(server)] })
const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n")

async function handle(command) {
  switch (command.cmd) {
    case "create": {
      const handle = repo.create({ title: command.title })
      say({ url: handle.url })
      return
    }
    case "wait": {
      const handle = await repo.find(command.url)
      const deadline = Date.now() + 20000
      for (;;) {
        const title = String(handle.doc()?.title ?? "")
        if (title.includes(command.contains)) return say({ title })
        if (Date.now() > deadline) return say({ error: `title never contained ${command.contains}: ${title}` })
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    case "append": {
      const handle = await repo.find(command.url)
      handle.change((d) => {
        splice(d, ["title"], String(d.title ?? "").length, 0, command.text)
      })
      return say({ done: true })
    }
    default:
      return say({ error: `unknown command ${command.cmd}` })
  }
}

const lines = readline.createInterface({ input: process.stdin })
for await (const line of lines) {
  try {
    await handle(JSON.parse(line))
  } catch (e) {
    say({ error: String(e?.stack ?? e) })
  }
}
await repo.shutdown?.()
process.exit(0)
