-- Runs once in every rule's Lua state, with the full standard library, before the rule's script.
-- It captures what the host needs (debug.sethook for the instruction budget) and then, unless the rule is
-- trusted, takes away what a sandboxed script must not have. It returns the entry points the host calls.
local H, cfg, reads_only = ...

local G = _G
local type, tostring, error, select, setmetatable, getmetatable, pairs, ipairs =
  type, tostring, error, select, setmetatable, getmetatable, pairs, ipairs
local sethook, getinfo = debug.sethook, debug.getinfo
local real_load, real_loadfile, real_time, real_date = load, loadfile, os.time, os.date
local H_now, H_allowed, H_overtime = H.now, H.allowed, H.overtime

-- Instruction budget: a count hook, installed from Lua (never a managed hook that raises), that counts down
-- from `limit` ticks of `cfg.hook_count` instructions. Every entry point resets it; running out raises an
-- ordinary Lua error, so the state stays usable. Since one instruction can be a costly C call (tostring, gsub),
-- every 16th tick also asks the host whether the call has run longer than its time budget. Any count hook makes
-- Lua trace every instruction, so the host takes this one off as soon as it is installed, and puts it back only
-- on a call that has run a while (BudgetWatchdog.cs): instructions count from then.
local limit, left = cfg.budget_ticks, cfg.budget_ticks
local function budget_hook()
  left = left - 1
  if left <= 0 or (left % 16 == 0 and H_overtime()) then
    local where = getinfo(2, "Sl")
    if where and where.currentline and where.currentline > 0 then
      error(("budget exceeded at %s:%d"):format(where.short_src, where.currentline), 0)
    end
    error("budget exceeded", 0)
  end
end

-- Hooks are per Lua thread, and a coroutine is a thread of its own that the host's hook does not reach (the one
-- debug.sethook installed looks its Lua function up by thread). So each coroutine installs the budget hook on
-- itself as it starts: a loop in a coroutine is stopped too, at the price of counting its instructions always.
local co_create, co_wrap = coroutine.create, coroutine.wrap
local hook_count = cfg.hook_count
local function budgeted(f)
  return function(...)
    sethook(budget_hook, "", hook_count)
    return f(...)
  end
end
function coroutine.create(f)
  if type(f) ~= "function" then return co_create(f) end
  return co_create(budgeted(f))
end
function coroutine.wrap(f)
  if type(f) ~= "function" then return co_wrap(f) end
  return co_wrap(budgeted(f))
end

local function fail_on(err, level)
  if err then error(err, level + 1) end
end

local function seconds_of(v, what)
  if type(v) == "number" then return v end
  if type(v) == "string" then
    local n, unit = v:match("^%s*(%d+%.?%d*)%s*(%a*)%s*$")
    if n then
      local mult = ({ s = 1, m = 60, h = 3600, d = 86400 })[unit] or 1
      return tonumber(n) * mult
    end
  end
  error(what .. ": expected seconds or a duration such as '30s', '5m', '1h', '1d', got " .. tostring(v), 3)
end

-- The original's functions ------------------------------------------------------------------------------

function G.alarm(n)
  fail_on(H.alarm(seconds_of(n, "alarm")), 2)
end

local DEST = { __name = "SOCKADDR" }
DEST.__tostring = function(d) return d.target end
DEST.__index = DEST

-- Names are not resolved here: the relay actor resolves them, off the rule's thread.
function G.host(name, port, proto)
  if type(name) ~= "string" or name == "" then error("host: expected a host name or address", 2) end
  proto = proto or "udp"
  if proto ~= "udp" and proto ~= "tcp" then error("host: protocol must be 'udp' or 'tcp'", 2) end
  return setmetatable({ kind = proto, target = name, port = math.tointeger(port) or 514 }, DEST)
end

function G.lsock(path)
  if type(path) ~= "string" or path == "" then error("lsock: expected a socket path", 2) end
  return setmetatable({ kind = "unix", target = path, port = -1 }, DEST)
end

function G.relay(dest, msg, format)
  if getmetatable(dest) ~= DEST then error("relay: destination must come from host() or lsock()", 2) end
  if type(msg) ~= "table" then error("relay: message must be a table", 2) end
  if format ~= nil and format ~= "rfc3164" and format ~= "rfc5424" then
    error("relay: format must be 'rfc3164' or 'rfc5424'", 2)
  end
  fail_on(H.relay(dest.kind, dest.target, dest.port, format == "rfc5424", msg), 2)
end

-- Actions: each is a message to its own actor; the call returns at once --------------------------------

function G.alert(a)
  if type(a) ~= "table" then error("alert: expected a table { key=, subject=, body=, severity= }", 2) end
  local subject = a.subject
  if type(subject) ~= "string" then error("alert: 'subject' must be a string", 2) end
  fail_on(H.alert(tostring(a.key or subject), subject, tostring(a.body or ""), tostring(a.severity or "err")), 2)
end

function G.ban(b)
  if type(b) ~= "table" or type(b.ip) ~= "string" then error("ban: expected a table { ip=, seconds=, reason= }", 2) end
  fail_on(H.ban(b.ip, seconds_of(b.seconds or 3600, "ban: seconds"), tostring(b.reason or "")), 2)
end

function G.write(path, line)
  if type(path) ~= "string" then error("write: path must be a string", 2) end
  fail_on(H.write(path, tostring(line)), 2)
end

function G.exec(e)
  if type(e) ~= "table" or type(e.argv) ~= "table" or #e.argv == 0 then
    error("exec: expected a table { argv = { program, args... }, timeout = }", 2)
  end
  local argv = {}
  for i, v in ipairs(e.argv) do argv[i] = tostring(v) end
  fail_on(H.exec(argv, seconds_of(e.timeout or 30, "exec: timeout")), 2)
end

-- syslog(level, text [, facility [, program]]): a message back into the pipeline (default facility syslog,
-- program the rule's name).
function G.syslog(level, text, facility, program)
  if type(level) ~= "string" then error("syslog: level must be a name such as 'info' or 'err'", 2) end
  if facility ~= nil and type(facility) ~= "string" then error("syslog: facility must be a name", 2) end
  fail_on(H.syslog(level, tostring(text), facility, program ~= nil and tostring(program) or nil), 2)
end

G.script, G.scriptpath, G.options = cfg.script, cfg.scriptpath, cfg.options

-- The clock: the replay clock under `syslogintr test-rule`, the real one otherwise.
os.time = function(...)
  if select("#", ...) == 0 then return H_now() end
  return real_time(...)
end
os.date = function(fmt, t, ...)
  return real_date(fmt, t or H_now(), ...)
end

-- The sandbox ------------------------------------------------------------------------------------------

-- Module search (LuaSearchPath): a trusted rule's lua-path, LUA_PATH, script folder, Lua's defaults, then our
-- rules/lib; a sandboxed rule's script folder, rules path, then rules/lib, and no C modules.
local libpath = cfg.path
package.path, package.cpath = cfg.path, cfg.cpath
if cfg.trusted then
  -- Time blocked in these calls (a child process, a pipe, a slow disk) is not the script's: the host stops the
  -- call's clock around them, so the time budget stops Lua that runs too long and nothing else. (The instruction
  -- budget counts instructions, which a blocked C call does not run.)
  local pcall, pause, resume = pcall, H.pause, H.resume
  local function resumed(ok, ...)
    resume()
    if not ok then error((...), 0) end
    return ...
  end
  local function unclocked(f)
    return function(...)
      pause()
      return resumed(pcall(f, ...))
    end
  end
  -- lines() returns an iterator that reads on each call (and, in 5.4, the file to close after a `for`).
  local function iterating(iterator, ...)
    return unclocked(iterator), ...
  end
  local function unclocked_lines(lines)
    return function(...)
      pause()
      return iterating(resumed(pcall(lines, ...)))
    end
  end

  local popen, library = io.popen, cfg.library
  local function popen_or_say_why(...)
    local ok, f, err, code = pcall(popen, ...)
    if ok then return f, err, code end
    if tostring(f):find("'popen' not supported", 1, true) then
      error(("io.popen is not supported by the Lua library in use, %s: install Debian's liblua5.4-0"):format(library), 0)
    end
    error(f, 0)
  end

  os.execute, io.popen = unclocked(os.execute), unclocked(popen_or_say_why)
  io.open, io.read, io.write, io.close, io.lines =
    unclocked(io.open), unclocked(io.read), unclocked(io.write), unclocked(io.close), unclocked_lines(io.lines)
  local file = getmetatable(io.stdout).__index
  file.read, file.write, file.close, file.flush, file.lines =
    unclocked(file.read), unclocked(file.write), unclocked(file.close), unclocked(file.flush), unclocked_lines(file.lines)
else
  local function check(path, write)
    if type(path) ~= "string" then error("expected a file path", 3) end
    local err = H_allowed(path, write)
    if err then return false, err end
    return true
  end

  local real_io, real_os = io, os
  local open, lines = io.open, io.lines
  local safe_io = { write = io.write, stdout = io.stdout, stderr = io.stderr, type = io.type }
  function safe_io.open(path, mode)
    local ok, err = check(path, mode ~= nil and mode:find("[wa+]") ~= nil)
    if not ok then return nil, err end
    return open(path, mode)
  end
  function safe_io.lines(path, ...)
    local ok, err = check(path, false)
    if not ok then error(err, 2) end
    return lines(path, ...)
  end
  G.io = safe_io

  G.os = { time = os.time, date = os.date, clock = os.clock, difftime = os.difftime, getenv = os.getenv }

  -- What the sandbox takes away from io and os raises an error that names the way out, rather than leaving a nil
  -- that fails as "attempt to call a nil value": the original's own modules call them (sendmail: io.popen).
  local function refuse_the_rest(lib, full, safe)
    for name, f in pairs(full) do
      if safe[name] == nil and type(f) == "function" then
        safe[name] = function()
          error(("%s.%s is not available to a sandboxed rule (a rule with trusted = true has it)"):format(lib, name), 2)
        end
      end
    end
  end
  refuse_the_rest("io", real_io, safe_io)
  refuse_the_rest("os", real_os, G.os)

  -- Text chunks only: a binary chunk can crash the VM.
  function G.load(chunk, name, _, ...)
    return real_load(chunk, name, "t", ...)
  end
  function G.loadfile(path, _, ...)
    local ok, err = check(path, false)
    if not ok then return nil, err end
    return real_loadfile(path, "t", ...)
  end
  function G.dofile(path)
    local ok, err = check(path, false)
    if not ok then error(err, 2) end
    local f, lerr = real_loadfile(path, "t")
    if not f then error(lerr, 2) end
    return f()
  end

  -- One call must not allocate past the heap cap in one go (the cap is checked between batches).
  local rep, max_rep = string.rep, cfg.max_string
  function string.rep(s, n, sep)
    if type(s) == "string" and type(n) == "number" and n > 0 and (#s + #(sep or "")) * n > max_rep then
      error("string.rep: result longer than the rule's memory limit", 2)
    end
    return rep(s, n, sep)
  end

  local gc = collectgarbage
  function G.collectgarbage(opt, ...)
    if opt == nil or opt == "collect" or opt == "count" or opt == "step" then return gc(opt, ...) end
    error("collectgarbage: option '" .. tostring(opt) .. "' is not available to sandboxed rules", 2)
  end

  -- require: Lua modules from the rules path only, whatever the script sets package.path to.
  local searchpath, preload = package.searchpath, package.searchers[1]
  package.searchers = {
    preload,
    function(name)
      local file, err = searchpath(name, libpath)
      if not file then return "\n\t" .. err end
      local f, lerr = real_loadfile(file, "t")
      if not f then error(("error loading module '%s' from file '%s':\n\t%s"):format(name, file, lerr), 2) end
      return f, file
    end,
  }
  package.cpath, package.loadlib = "", nil
  package.loaded.io, package.loaded.os, package.loaded.debug = G.io, G.os, nil
  G.debug = nil
end

-- Entry points the host calls --------------------------------------------------------------------------

-- The host pushes the fields positionally and the table is built here with a constructor: one stack push per
-- field instead of three API calls. A sandboxed rule whose log only reads fields of its message (message-reuse.lua)
-- gets one table per kind, refilled for every message: it can keep none of them, so none is built or collected.
-- (A trusted rule has the debug library, which can reach msg from outside log's code: always a fresh table.)
-- deliver5424 repeats deliver's sixteen fields rather than calling a shared filler: this runs for every message,
-- and a Lua call with sixteen arguments costs about a tenth of what the refill saves.
local shell, shell5424 = {}, {}
local trusted = cfg.trusted
local known_log, known_refills = nil, false

-- Decided again only when the script has defined log anew.
local function refills(log)
  if log ~= known_log then
    known_log = log
    known_refills = not trusted and type(log) == "function" and reads_only(log)
  end
  return known_refills
end

local function deliver(version, raw, host, hostname, relay, port, remote, localaddr, localport, timestamp, logtimestamp,
                       program, pid, facility, level, msg)
  left = limit
  local log = G.log
  if refills(log) then
    local t = shell
    t.version, t._RAW, t.host, t.hostname, t.relay, t.port, t.remote = version, raw, host, hostname, relay, port, remote
    t.localaddr, t.localport, t.timestamp, t.logtimestamp = localaddr, localport, timestamp, logtimestamp
    t.program, t.pid, t.facility, t.level, t.msg = program, pid, facility, level, msg
    return log(t)
  end
  return G.log({ version = version, _RAW = raw, host = host, hostname = hostname, relay = relay, port = port, remote = remote,
    localaddr = localaddr, localport = localport, timestamp = timestamp, logtimestamp = logtimestamp,
    program = program, pid = pid, facility = facility, level = level, msg = msg })
end

local function deliver5424(version, raw, host, hostname, relay, port, remote, localaddr, localport, timestamp, logtimestamp,
                           program, pid, facility, level, msg, app_name, procid, msgid, sd)
  left = limit
  local log = G.log
  if refills(log) then
    local t = shell5424
    t.version, t._RAW, t.host, t.hostname, t.relay, t.port, t.remote = version, raw, host, hostname, relay, port, remote
    t.localaddr, t.localport, t.timestamp, t.logtimestamp = localaddr, localport, timestamp, logtimestamp
    t.program, t.pid, t.facility, t.level, t.msg = program, pid, facility, level, msg
    t.app_name, t.procid, t.msgid, t.sd = app_name, procid, msgid, sd
    return log(t)
  end
  return G.log({ version = version, _RAW = raw, host = host, hostname = hostname, relay = relay, port = port, remote = remote,
    localaddr = localaddr, localport = localport, timestamp = timestamp, logtimestamp = logtimestamp,
    program = program, pid = pid, facility = facility, level = level, msg = msg,
    app_name = app_name, procid = procid, msgid = msgid, sd = sd })
end

-- Runs a hook by name; false when the script does not define it.
local function call_hook(name)
  local f = G[name]
  if f == nil then return false end
  if type(f) ~= "function" then error(name .. " is type '" .. type(f) .. "' not type 'function'", 0) end
  left = limit
  f()
  return true
end

local function run(f, ...)
  left = limit
  return f(...)
end

-- Whether the log defined now gets the refilled table: the host says so when it loads the rule.
local function log_refilled()
  return refills(G.log)
end

sethook(budget_hook, "", cfg.hook_count)
return deliver, deliver5424, call_hook, run, log_refilled
