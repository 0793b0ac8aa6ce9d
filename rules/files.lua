-- syslog.conf-style routing to files through write(): each entry of `routes` is
-- { facilities (a set, or "*"), lowest level (a name, or "*"), file }. The files must lie inside the rule's
-- allowed-paths. Configure the folder with options.dir (default ./var/log) and the name written for local
-- senders with options.hostname (default localhost; the node's own file sink writes the node's host name).
local dir = options.dir or "./var/log"

local LEVELS = { emerg = 0, alert = 1, crit = 2, err = 3, warn = 4, notice = 5, info = 6, debug = 7 }

local function set(...)
  local s = {}
  for _, v in ipairs({ ... }) do s[v] = true end
  return s
end

-- Red Hat's default syslog.conf, in the original's facility names.
local routes = {
  { except = set("mail", "auth2", "cron1", "cron2", "local6"), level = "info", file = "messages" },
  { facilities = set("auth2"), level = "debug", file = "secure" },
  { facilities = set("mail"), level = "debug", file = "maillog" },
  { facilities = set("cron1", "cron2"), level = "debug", file = "cron" },
  { facilities = set("uucp", "news"), level = "crit", file = "spooler" },
  { facilities = set("local7"), level = "debug", file = "boot.log" },
}

local function matches(route, msg)
  if route.facilities and not route.facilities[msg.facility] then return false end
  if route.except and route.except[msg.facility] then return false end
  return LEVELS[msg.level] <= LEVELS[route.level]
end

-- The line the node's file sink writes in its traditional format (rsyslog's default):
-- "Mmm dd hh:mm:ss host program[pid]: message", the day space-padded, control characters as #ooo.
local hostname = options.hostname or "localhost"
local MONTHS = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" }

local function escape(text)
  return (text:gsub("[\0-\31]", function(c) return ("#%03o"):format(c:byte()) end))
end

local function traditional(msg)
  local t = os.date("*t", msg.logtimestamp)
  -- A local sender's msg.hostname is the node's own name: options.hostname stands for it, as the sink's setting does.
  local host = msg.remote and msg.hostname or hostname
  local head = ("%s %2d %02d:%02d:%02d %s "):format(MONTHS[t.month], t.day, t.hour, t.min, t.sec, host)
  if msg.program == "" then return head .. escape(msg.msg) end
  local pid = msg.procid or (msg.pid ~= 0 and tostring(msg.pid)) or ""
  local tag = escape(msg.program) .. (pid ~= "" and ("[" .. escape(pid) .. "]") or "") .. ":"
  return head .. tag .. (msg.msg:sub(1, 1) == " " and "" or " ") .. escape(msg.msg)
end

function log(msg)
  local line = traditional(msg)
  for _, route in ipairs(routes) do
    if matches(route, msg) then write(dir .. "/" .. route.file, line) end
  end
end
