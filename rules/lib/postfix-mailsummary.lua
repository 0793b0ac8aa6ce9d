-- postfix-mailsummary(msg): collects Postfix's client=, message-id=, from= and to= lines per queue ID and, on
-- "<id>: removed", returns a new message table (program "summary/mail") summing up the mail; false otherwise.
-- As in the original, the per-queue-ID state is the global `maillist` (it survives reloads of the script);
-- unlike it, entries whose "removed" never comes are dropped after max_age seconds (default a day).
maillist = maillist or {}

local max_age = 86400

local function purge(now)
  for id, entry in pairs(maillist) do
    if now - entry.seen > max_age then maillist[id] = nil end
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
    local entry = maillist[id]
    maillist[id] = nil
    if not entry then return false end
    local summary = {}
    for k, v in pairs(msg) do summary[k] = v end
    summary.program = "summary/mail"
    summary.pid = 0
    summary.msg = string.format("client=%s message-id=<%s> from=<%s> to=<%s>",
      entry.client or "", entry.msgid or "", entry.from or "", table.concat(entry.to, ","))
    return summary
  end

  local entry = maillist[id] or { to = {} }
  entry.seen = now
  maillist[id] = entry
  entry.client = rest:match("^client=(%S+)") or entry.client
  entry.msgid = rest:match("^message%-id=<([^>]*)>") or entry.msgid
  entry.from = rest:match("^from=<([^>]*)>") or entry.from
  local to = rest:match("^to=<([^>]*)>")
  if to then entry.to[#entry.to + 1] = to end
  return false
end
