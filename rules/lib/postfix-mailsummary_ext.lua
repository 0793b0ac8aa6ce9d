-- postfix-mailsummary_ext(msg): the original's `postfix-mailsummary` (also shipped), extended. It collects
-- Postfix's client=, message-id=, from= and to= lines per queue ID and, on "<id>: removed", returns a new message
-- table (program "summary/mail") summing up the mail; false otherwise. Unlike the original it lists every to=
-- (comma-separated; the original only the last), leaves unknown fields empty (the original: "-" and "<>"), returns
-- false for a "removed" with nothing collected, and drops entries whose "removed" never comes after max_age seconds
-- (a day). The per-queue-ID state is the global `maillist_ext` (the original's `maillist` holds entries of another
-- shape), so it survives reloads of the script.
maillist_ext = maillist_ext or {}

local max_age = 86400

local function purge(now)
  for id, entry in pairs(maillist_ext) do
    if now - entry.seen > max_age then maillist_ext[id] = nil end
  end
end

local last_purge = 0

return function(msg)
  if msg.facility ~= "mail" or msg.level ~= "info" or not msg.program:find("postfix/", 1, true) then
    return false
  end

  local now = os.time()
  if now - last_purge > 3600 then purge(now); last_purge = now end

  local id, rest = msg.msg:match("^(%x+): (.*)$")
  if not id then return false end

  if rest == "removed" then
    local entry = maillist_ext[id]
    maillist_ext[id] = nil
    if not entry then return false end
    local summary = {}
    for k, v in pairs(msg) do summary[k] = v end
    summary.program = "summary/mail"
    summary.pid = 0
    summary.msg = string.format("client=%s message-id=<%s> from=<%s> to=<%s>",
      entry.client or "", entry.msgid or "", entry.from or "", table.concat(entry.to, ","))
    return summary
  end

  local entry = maillist_ext[id] or { to = {} }
  entry.seen = now
  maillist_ext[id] = entry
  entry.client = rest:match("^client=(%S+)") or entry.client
  entry.msgid = rest:match("^message%-id=<([^>]*)>") or entry.msgid
  entry.from = rest:match("^from=<([^>]*)>") or entry.from
  local to = rest:match("^to=<([^>]*)>")
  if to then entry.to[#entry.to + 1] = to end
  return false
end
