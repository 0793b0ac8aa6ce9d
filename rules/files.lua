-- syslog.conf-style routing to files through write(): each entry of `routes` is
-- { facilities (a set, or "*"), lowest level (a name, or "*"), file }. The files must lie inside the rule's
-- allowed-paths. Configure the folder with options.dir (default ./var/log).
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

function log(msg)
  local host = msg.remote and msg.host or "localhost"
  local line = string.format("%s %s %s%s: %s", os.date("%b %d %H:%M:%S", msg.logtimestamp), host,
    msg.program, msg.pid ~= 0 and ("[" .. msg.pid .. "]") or "", msg.msg)
  for _, route in ipairs(routes) do
    if matches(route, msg) then write(dir .. "/" .. route.file, line) end
  end
end
