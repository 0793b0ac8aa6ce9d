-- sshblock: bans addresses that fail to authenticate to sshd too often, as fail2ban's sshd jail does.
--
-- It recognises the lines fail2ban's sshd filter recognises (filter.d/sshd.conf, its `mode` included), counts
-- failures per address in a sliding window and calls ban{} when an address reaches `maxretry` failures within
-- `findtime`. Windows are measured on each message's own time (msg.logtimestamp), so replaying a log with
-- `syslogintr test-rule` and running live give the same bans.
--
-- Options (fail2ban's names and defaults):
--   maxretry = 5          failures within findtime that cause a ban
--   findtime = "10m"      the window (seconds, or a number with s, m, h, d or w)
--   bantime  = "10m"      how long a ban lasts (<= 0: as long as the ban actor allows, its max-duration)
--   ignoreip = ["127.0.0.1/8", "::1"]   addresses and CIDR networks (IPv4, IPv6) never banned; a list, or a
--                                        string separated by spaces or commas as in jail.conf
--   mode     = normal     normal, ddos, extra or aggressive, as fail2ban's sshd filter
--   verbose  = false      true: report each failure found with syslog("info", "Found HOST ...") like fail2ban
--   repeated = false      true: count "message repeated N times: [ <failure> ]" (syslog's compression of N identical
--                         lines) as N failures; fail2ban's filter does not recognise these lines, so by default neither do we
--   max_connections = 20000   sshd processes remembered at once for failures spread over several lines
--   max_addresses = 100000    addresses with failures remembered at once (beyond: the least recent half is forgotten)
--
-- Security: log text is written by whoever can log. The patterns are anchored the way fail2ban anchors them, so
-- a user name such as "x from 1.2.3.4" cannot make another address the culprit; addresses are checked before
-- ban{} (and again by the ban actor). Anyone who can send syslog messages that reach this rule can still forge
-- whole sshd lines: restrict the rule with `match { program = [sshd, sshd-session], host = [...] }` to the
-- machines you trust, or feed it from a local socket only.

local function seconds(v, default)
  if v == nil then return default end
  if type(v) == "number" then return v end
  local n, unit = tostring(v):match("^%s*(%-?%d+%.?%d*)%s*(%a*)%s*$")
  if not n then error("sshblock: not a duration: " .. tostring(v)) end
  local mult = ({ [""] = 1, s = 1, m = 60, h = 3600, d = 86400, w = 604800 })[unit]
  if not mult then error("sshblock: unknown duration unit in " .. tostring(v)) end
  return tonumber(n) * mult
end

local function list(v, default)
  if v == nil then return default end
  if type(v) == "table" then return v end
  local out = {}
  for item in tostring(v):gmatch("[^%s,]+") do out[#out + 1] = item end
  return out
end

local MAXRETRY = tonumber(options.maxretry) or 5
local FINDTIME = seconds(options.findtime, 600)
local BANTIME = seconds(options.bantime, 600)
if BANTIME <= 0 then BANTIME = 10 * 365 * 86400 end
local MODE = options.mode or "normal"
local VERBOSE = options.verbose == true or options.verbose == "true"
local REPEATED = options.repeated == true or options.repeated == "true"
local DDOS = MODE == "ddos" or MODE == "aggressive"
local EXTRA = MODE == "extra" or MODE == "aggressive"
if MODE ~= "normal" and not DDOS and not EXTRA then
  error("sshblock: mode must be normal, ddos, extra or aggressive, not " .. tostring(MODE))
end

-- Addresses ---------------------------------------------------------------------------------------------

-- The 4 (IPv4) or 16 (IPv6) bytes of an address, or nil.
local function ip_bytes(s)
  local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if a then
    local bytes = { tonumber(a), tonumber(b), tonumber(c), tonumber(d) }
    for _, x in ipairs(bytes) do if x > 255 then return nil end end
    return bytes
  end
  if not s:find(":", 1, true) or s:find("[^%x:%.]") then return nil end
  local tail4
  local head = s
  local v4 = s:match(":(%d+%.%d+%.%d+%.%d+)$")
  if v4 then
    tail4 = ip_bytes(v4)
    if not tail4 then return nil end
    head = s:sub(1, #s - #v4) .. "0:0"
  end
  local left, right = head, nil
  local gap = head:find("::", 1, true)
  if gap then
    left, right = head:sub(1, gap - 1), head:sub(gap + 2)
    if right:find("::", 1, true) then return nil end
  end
  local function groups(part)
    local out = {}
    if part == "" then return out end
    for g in (part .. ":"):gmatch("([^:]*):") do
      if not g:match("^%x%x?%x?%x?$") then return nil end
      out[#out + 1] = tonumber(g, 16)
    end
    return out
  end
  local l, r = groups(left), groups(right or "")
  if not l or not r then return nil end
  local missing = 8 - #l - #r
  if (gap and missing < 1) or (not gap and missing ~= 0) then return nil end
  local words = {}
  for _, g in ipairs(l) do words[#words + 1] = g end
  for _ = 1, missing do words[#words + 1] = 0 end
  for _, g in ipairs(r) do words[#words + 1] = g end
  local bytes = {}
  for _, w in ipairs(words) do bytes[#bytes + 1] = w // 256; bytes[#bytes + 1] = w % 256 end
  if tail4 then for i = 1, 4 do bytes[12 + i] = tail4[i] end end
  return bytes
end

local function parse_network(text)
  local addr, prefix = text:match("^([^/]+)/(%d+)$")
  addr = addr or text
  local bytes = ip_bytes(addr)
  if not bytes then error("sshblock: ignoreip entry is not an address or network: " .. text) end
  prefix = tonumber(prefix) or #bytes * 8
  if prefix > #bytes * 8 then error("sshblock: prefix too long in ignoreip entry " .. text) end
  return { bytes = bytes, prefix = prefix }
end

local function in_network(bytes, net)
  if #bytes ~= #net.bytes then return false end
  local bits = net.prefix
  for i = 1, #bytes do
    if bits <= 0 then return true end
    local take = math.min(bits, 8)
    local mask = (0xFF << (8 - take)) & 0xFF
    if (bytes[i] & mask) ~= (net.bytes[i] & mask) then return false end
    bits = bits - take
  end
  return true
end

local IGNORE = {}
for _, entry in ipairs(list(options.ignoreip, { "127.0.0.1/8", "::1" })) do
  IGNORE[#IGNORE + 1] = parse_network(entry)
end

local function ignored(bytes)
  for _, net in ipairs(IGNORE) do
    if in_network(bytes, net) then return true end
  end
  return false
end

-- fail2ban's <HOST>: an IPv4 or IPv6 address (an IPv4-mapped one as IPv4, brackets dropped) or a DNS name.
local function host_of(token)
  if not token or token == "" then return nil end
  local bracketed = token:match("^%[(.*:.*)%]$")
  if bracketed and ip_bytes(bracketed) then token = bracketed end
  local mapped = token:lower():match("^::ffff:(%d+%.%d+%.%d+%.%d+)$")
  if mapped then return mapped end
  if ip_bytes(token) then return token end
  if token:match("^[%w_%-%.]*%w$") and token:find("%a") then return token end
  return nil
end

-- Line shapes -------------------------------------------------------------------------------------------

-- Removes fail2ban's optional suffix from the end: up to three of " port N", " on ADDR", " [preauth]", then
-- spaces. Returns every way of removing it, least removed first, as a regex would try them.
local function suffix_variants(s, limit)
  s = s:gsub("%s+$", "")
  local out = { s }
  for _ = 1, limit do
    local shorter = s:match("^(.-) port %d+$") or s:match("^(.-) on %S+$") or s:match("^(.-) %[preauth%]$")
    if not shorter then break end
    s = shorter:gsub("%s+$", "")
    out[#out + 1] = s
  end
  return out
end

-- "… from HOST<optional suffix>" at the very end of s: the host and what came before " from ".
local function ending_from(s, pattern, limit)
  for _, v in ipairs(suffix_variants(s, limit or 3)) do
    local before, token = v:match(pattern)
    local host = host_of(token)
    if host then return host, before end
  end
  return nil
end

-- After a host: up to two of " port N" / " on ADDR", then `rest` must match `tail`.
local function port_opt_then(rest, tail)
  for _ = 0, 2 do
    if rest:match(tail) then return true end
    rest = rest:match("^ port %d+(.*)$") or rest:match("^ on %S+(.*)$")
    if not rest then return false end
  end
  return rest:match(tail) ~= nil
end

-- "HOST" possibly glued to a following ':' ("from 1.2.3.4: 11: Bye"); returns host and the rest.
local function host_then(s)
  local token, rest = s:match("^(%S+)(.*)$")
  if not token then return nil end
  local host = host_of(token)
  if not host and token:sub(-1) == ":" then
    host, rest = host_of(token:sub(1, -2)), ":" .. rest
  end
  if host then return host, rest end
  return nil
end

local USER_REASONS = {
  ["not listed in AllowUsers"] = true,
  ["listed in DenyUsers"] = true,
  ["not in any group"] = true,
  ["a group is listed in DenyGroups"] = true,
  ["none of user's groups are listed in AllowGroups"] = true,
}

-- After the host of a "Failed" line: up to two of " port N" / " on ADDR", then an optional " sshN".
local function after_port_ssh(after)
  for _ = 1, 2 do
    after = after:match("^ port %d+(.*)$") or after:match("^ on %S+(.*)$") or after
  end
  return after:match("^ ssh%d*(.*)$") or after
end

-- "Failed METHOD for [invalid user ]USER from HOST…", as fail2ban's cond_user/cond_inv regex reads it, in the
-- order the regex tries: a one-word user must be followed (after port and protocol) by ": " and the details
-- sshd appends, which may hold anything; otherwise the user is everything up to the only " from " (invalid
-- users) or the last one (others, with no ':' in it), and nothing after the host may contain " from ".
-- Returns method, host, user, invalid.
local function failed_auth(c)
  local method, rest = c:match("^Failed (%S+) for (.*)$")
  if not method then return nil end
  local inv = rest:match("^invalid user (.*)$")
  local function one_word(r)
    local user, token, after = r:match("^(%S+) from (%S+)(.*)$")
    local host = host_of(token)
    if host and after_port_ssh(after):sub(1, 2) == ": " then return host, user end
  end
  local function at(r, s)
    local token, after = r:match("^ from (%S+)(.*)$", s)
    local host = host_of(token)
    if host and not after:find(" from ", 1, true) then return host, r:sub(1, s - 1) end
  end
  local host, user
  if inv then
    host, user = one_word(inv)
    if host then return method, host, user, true end
    local first = inv:find(" from ", 1, true)
    if not first and inv:sub(1, 5) == "from " then first = 0; inv = " " .. inv end
    if first then
      host, user = at(inv, math.max(first, 1))
      if host then return method, host, user, true end
    end
  end
  host, user = one_word(rest)
  if host then return method, host, user, false end
  local last
  local from = 1
  while true do
    local s = rest:find(" from ", from, true)
    if not s then break end
    last, from = s, s + 1
  end
  if last then
    host, user = at(rest, last)
    if host and not user:find(":", 1, true) then return method, host, user, false end
  end
  return nil
end

local FAIL, NOFAIL = "fail", "nofail"

-- What a line of sshd says, after fail2ban's prefix ("error: ", "fatal: ", "error: PAM: ") is removed:
-- { kind = FAIL|NOFAIL, host =, user =, forget = (the connection ends), gained = (a login succeeded) } or nil.
-- The first words of every line classify() knows: anything else is rejected before any pattern runs.
-- "Connection closed by|Disconnected from|Connection reset by [invalid|authenticating user USER ]HOST…": the
-- end of a connection; a failure only before authentication (" [preauth]") in ddos and extra modes.
-- Also "Connection from HOST" (LogLevel VERBOSE), which only names the host of a connection.
local function connection_line(c)
  local verb, by = c:match("^(Connection closed) by (.*)$")
  if not verb then verb, by = c:match("^(Connection reset) by (.*)$") end
  if not verb then verb, by = c:match("^(Disconnected) from (.*)$") end
  if verb then
    local preauth = by:find(" %[preauth%]%s*$") ~= nil
    local named = by:match("^invalid user ") or by:match("^authenticating user ")
    for _, v in ipairs(suffix_variants(by, 3)) do
      local cu, token
      if named then cu, token = v:match("^%a+ user (.*) (%S+)$") else token = v:match("^(%S+)$") end
      local h = host_of(token)
      if h then
        if MODE == "normal" then
          if verb ~= "Connection reset" then return { kind = NOFAIL, host = h, user = cu, forget = true } end
        elseif DDOS then
          -- After authentication began the close is no failure, but it names the host of a pending one.
          return { kind = preauth and FAIL or NOFAIL, host = h, user = cu, forget = true }
        elseif verb == "Disconnected" and named and preauth then
          return { kind = FAIL, host = h, user = cu, forget = true }
        end
        return nil
      end
    end
  end
  local host = host_of(c:match("^Connection from (%S+)"))
  if host then return { kind = NOFAIL, host = host } end
  return nil
end

-- "Accepted METHOD for USER from HOST": a login succeeded.
local function accepted_line(c)
  local u, token = c:match("^Accepted %w+ for (%S+) from (%S+)")
  if u and host_of(token) then return { kind = NOFAIL, host = host_of(token), user = u, gained = true, forget = true } end
  return nil
end

local FIRST_WORDS = {}
for w in ([[Authentication authentication User Failed ROOT Illegal illegal Invalid invalid refused Received maximum
  Disconnecting Disconnecting: Connection Disconnected Accepted Did kex_exchange_identification: Bad SSH: Read
  Timeout banner ssh_dispatch_run_fatal: Unable no]]):gmatch("%S+") do FIRST_WORDS[w] = true end

local function classify(c)
  local first = c:match("^%S+")
  if not first or not (FIRST_WORDS[first] or first:find("^pam_%l+%(sshd:auth%):$")) then return nil end
  if first == "Connection" or first == "Disconnected" then return connection_line(c) end
  if first == "Accepted" then return accepted_line(c) end
  local host, before
  -- [aA]uthentication (failure|error|failed) for USER from HOST[ via X]
  local kind = c:match("^[aA]uthentication (%a+) for ")
  if kind == "failure" or kind == "error" or kind == "failed" then
    host, before = ending_from(c, "^(.*) from (%S+) via %S+$")
    if not host then host, before = ending_from(c, "^(.*) from (%S+)$") end
    if host then return { kind = FAIL, host = host, user = before:match("^%a+ %a+ for (.*)$") } end
  end
  if c:find("^User not known to the underlying authentication module for ") then
    host, before = ending_from(c, "^(.*) from (%S+)$")
    if host then return { kind = FAIL, host = host } end
  end
  local method, user, invalid
  method, host, user, invalid = failed_auth(c)
  if method then
    -- A valid user's failed publickey is no failure on its own: clients try several keys (fail2ban gh-1263).
    local nofail = method == "publickey" and not invalid
    return { kind = nofail and NOFAIL or FAIL, host = host, user = user }
  end
  host = host_of(c:match("^ROOT LOGIN REFUSED FROM (%S+)"))
  if host then return { kind = FAIL, host = host, user = "ROOT" } end
  host, before = ending_from(c, "^[iI]llegal user (.-) from (%S+)$")
  if not host then host, before = ending_from(c, "^[iI]nvalid user (.-) from (%S+)$") end
  if not host and c:match("^[iI]nvalid user  from ") then host = ending_from(c, "^[iI]nvalid user ( )from (%S+)$") end
  if host then return { kind = FAIL, host = host, user = before } end
  for _, v in ipairs(suffix_variants(c, 3)) do
    local u, token, reason = v:match("^User (.*) from (%S+) not allowed because (.*)$")
    if u and USER_REASONS[reason] and host_of(token) then return { kind = FAIL, host = host_of(token), user = u } end
  end
  host = host_of(c:match("^refused connect from %S+ %((%S+)%)"))
  if host then return { kind = FAIL, host = host } end
  local rest = c:match("^Received disconnect from (.*)$")
  if rest then
    local h, after = host_then(rest)
    if h then
      local trimmed = suffix_variants(after, 3)
      for _, t in ipairs(trimmed) do
        if port_opt_then(t, "^:%s*3: .*: Auth fail$") then return { kind = FAIL, host = h, forget = true } end
      end
      if port_opt_then(after, "^:%s*11:") then return { kind = NOFAIL, host = h, forget = true } end
      if EXTRA and port_opt_then(after, "^:%s*14: No authentication methods available")
        or EXTRA and port_opt_then(after, "^:%s*14: No supported authentication methods available") then
        return { kind = FAIL, host = h, forget = true }
      end
    end
  end
  -- pam_*(sshd:auth): authentication failure; logname= uid= euid= tty= ruser=R rhost=HOST[ user=U]
  -- No failure (fail2ban's <F-NOFAIL>): PAM's report of the attempt that sshd's own "Failed …" line counts; it only
  -- names the host and user for the later lines of the same process.
  local pam = c:match("^pam_%l+%(sshd:auth%):%s+authentication failure;(.*)$")
  if pam then
    for _, v in ipairs(suffix_variants(pam, 3)) do
      local ruser, token, tail = v:match("%s+ruser=(%S*)%s+rhost=(%S+)(.*)$")
      local h = host_of(token)
      if h and (tail == "" or tail:match("^%s+user=%S*$")) then
        local u = tail:match("user=(%S+)")
        return { kind = NOFAIL, host = h, user = (u ~= nil and u) or (ruser ~= "" and ruser) or nil }
      end
    end
  end
  host, before = ending_from(c, "^maximum authentication attempts exceeded for (.*) from (%S+)$")
  if not host then
    for _, v in ipairs(suffix_variants(c, 3)) do
      local u, token = v:match("^maximum authentication attempts exceeded for (.*) from (%S+) ssh%d*$")
      if u and host_of(token) then host, before = host_of(token), u break end
      u, token = v:match("^maximum authentication attempts exceeded for (.*) from (%S+) port %d+ ssh%d*$")
      if u and host_of(token) then host, before = host_of(token), u break end
    end
  end
  if host then return { kind = FAIL, host = host, user = before } end
  local u, token = c:match("^User (.*) not allowed because account is locked"), nil
  if u then return { kind = FAIL, user = u } end
  local who, du, drest = c:match("^Disconnecting (%a+) user (%S+) (.*)$")
  if not who then who, du, drest = c:match("^Disconnecting from (%a+) user (%S+) (.*)$") end
  if who == "invalid" or who == "authenticating" then
    local h, after = host_then(drest)
    if h and port_opt_then(after, "^:%s*Change of username or service not allowed:.*%[preauth%]%s*$") then
      return { kind = FAIL, host = h, user = du, forget = true }
    end
  end
  if c:find("^Disconnecting: Too many authentication failures") then
    local tail = c:match("^Disconnecting: Too many authentication failures(.*)$")
    -- Most removed first: the user is one word when it can be (fail2ban's "\S+|.*?").
    local variants = suffix_variants(tail, 3)
    for i = #variants, 1, -1 do
      local t = variants[i]
      if t == "" then return { kind = FAIL } end
      local fu = t:match("^ for (.+)$")
      if fu then return { kind = FAIL, user = fu } end
    end
  end
  if DDOS then
    host = host_of(c:match("^Did not receive identification string from (%S+)"))
    if host then return { kind = FAIL, host = host } end
    if c:find("^kex_exchange_identification: [Cc]lient sent invalid protocol identifier")
      or c:find("^kex_exchange_identification: [Cc]onnection closed by remote host") then
      return { kind = FAIL }
    end
    host = host_of(c:match("^Bad protocol version identification '.*' from (%S+)"))
    if host then return { kind = FAIL, host = host } end
    host = host_of(c:match("^SSH: Server;Ltype: %a+;Remote: (%S-)%-%d+;%u%w*:"))
    if host then return { kind = NOFAIL, host = host } end
    if c:find("^Read from socket failed: Connection reset by peer") then return { kind = FAIL, forget = true } end
    if c:find("^kex_exchange_identification: read: Connection reset by peer") then return { kind = FAIL } end
    host = host_of(c:match("^Timeout before authentication for connection from (%S+)"))
      or host_of(c:match("^Timeout before authentication for (%S+)"))
    if host then return { kind = FAIL, host = host } end
    local stage, crest = c:match("^(banner exchange): Connection from (.*)$")
    if not stage then stage, crest = c:match("^(ssh_dispatch_run_fatal): Connection from (.*)$") end
    if stage then
      local h, after = host_then(crest)
      if h and (port_opt_then(after, "^: invalid format")
        or port_opt_then(after, "^: message authentication code incorrect %[preauth%]")
        or port_opt_then(after, "^: [Cc]onnection corrupted %[preauth%]")) then
        return { kind = FAIL, host = h }
      end
    end
  end
  if EXTRA then
    local neg = c:match("^Unable to negotiate with (.*)$")
    if neg then
      local h, after = host_then(neg)
      if h and port_opt_then(after, "^: no matching [%w ]- ?found%.") then return { kind = FAIL, host = h } end
    end
    if c:find("^Unable to negotiate a %w") or c:find("^no matching [%w ]+ found:") then return { kind = FAIL } end
  end
  return nil
end

-- fail2ban's prefix: an optional kernel-time "kernel: [ 970.699396] " (journal) or Solaris "[ID n facility.level] ",
-- then "error: " or "fatal: ", optionally followed by "PAM: ".
local function content(text)
  text = text:gsub("^kernel: ?%[ *%d+%.%d+%]:? ?", ""):gsub("^%[ID %d+ %S+%] ", "")
  local rest = text:match("^error: (.*)$") or text:match("^fatal: (.*)$")
  if rest then text = rest:match("^PAM: (.*)$") or rest end
  return text
end

local function is_sshd(program)
  return program == "sshd" or program == "sshd-session"
    or program:match("^sshd%[.*%]$") ~= nil or program:match("^sshd%-session%[.*%]$") ~= nil
end

-- State -------------------------------------------------------------------------------------------------
-- connections[host .. pid]: what earlier lines of one sshd process said (fail2ban's multi-line failure id):
--   { host =, users = set, nusers =, pending = (failure awaiting a host), at = }
-- failures[ip]: times of failures inside the window.  banned[ip]: the time its ban ends.
-- Memory is bounded: stale entries are dropped every 4096 lines; a flood of distinct processes or addresses
-- beyond max_connections / max_addresses drops the least recent half (a failure may then go uncounted).
local MAX_CONNECTIONS = tonumber(options.max_connections) or 20000
local MAX_ADDRESSES = tonumber(options.max_addresses) or 100000
local connections, nconnections = {}, 0
local failures, naddresses, banned = {}, 0, {}
local latest = 0
local seen = 0

local function forget_old()
  local horizon = latest - math.max(FINDTIME, 600)
  if nconnections > MAX_CONNECTIONS then
    local ages = {}
    for _, conn in pairs(connections) do ages[#ages + 1] = conn.at end
    table.sort(ages)
    horizon = math.max(horizon, ages[#ages // 2])
  end
  for key, conn in pairs(connections) do
    if conn.at <= horizon then connections[key] = nil; nconnections = nconnections - 1 end
  end
  local oldest = latest - FINDTIME
  if naddresses > MAX_ADDRESSES then
    local ages = {}
    for _, times in pairs(failures) do ages[#ages + 1] = times[#times] end
    table.sort(ages)
    oldest = math.max(oldest, ages[#ages // 2])
  end
  for ip, times in pairs(failures) do
    if times[#times] <= oldest then failures[ip] = nil; naddresses = naddresses - 1 end
  end
  for ip, untill in pairs(banned) do
    if untill <= latest then banned[ip] = nil end
  end
end

local function failure(host, at, msg)
  if VERBOSE then
    syslog("info", ("Found %s - %s (%s[%d] on %s)"):format(host, os.date("!%Y-%m-%d %H:%M:%S", at), msg.program, msg.pid, msg.hostname))
  end
  local bytes = ip_bytes(host)
  -- "192.030.0.6": decimal or octal? Ambiguous, so never banned (and never counted against 192.30.0.6).
  if not bytes or (#bytes == 4 and host:find("%f[%d]0%d")) or ignored(bytes) then return end
  if banned[host] and banned[host] > at then return end
  local times = failures[host]
  if not times then times = {}; naddresses = naddresses + 1 end
  local kept = {}
  for _, t in ipairs(times) do
    if t > at - FINDTIME then kept[#kept + 1] = t end
  end
  kept[#kept + 1] = at
  table.sort(kept)
  if #kept >= MAXRETRY then
    failures[host] = nil
    naddresses = naddresses - 1
    banned[host] = at + BANTIME
    ban { ip = host, seconds = BANTIME, reason = ("sshd: %d failures within %d s"):format(#kept, FINDTIME) }
  else
    failures[host] = kept
  end
end

-- One line's failures: 1, or N for "message repeated N times: [ <line> ]" when `repeated` is on.
local function repeats(text)
  if not REPEATED then return text, 1 end
  local n, inner = text:match("^message repeated (%d+) times: %[ ?(.-)%]%s*$")
  if not n then return text, 1 end
  return inner, tonumber(n)
end

function log(msg)
  if not is_sshd(msg.program) then return end
  local text, times = repeats(msg.msg)
  local line = classify(content(text))
  if not line then return end
  local at = msg.logtimestamp
  if at > latest then latest = at end
  seen = seen + 1
  if seen % 4096 == 0 or nconnections > MAX_CONNECTIONS or naddresses > MAX_ADDRESSES then forget_old() end

  -- A process without a pid cannot be told apart from others: no memory across its lines.
  local key = msg.pid ~= 0 and (msg.hostname .. "\0" .. msg.pid) or nil
  local conn = key and connections[key]
  if not conn then
    conn = { users = {}, nusers = 0, pending = false }
    if key then connections[key] = conn; nconnections = nconnections + 1 end
  end
  conn.at = at
  if line.host then conn.host = line.host end
  if line.user and not conn.users[line.user] then
    conn.users[line.user] = true
    conn.nusers = conn.nusers + 1
  end

  local host = line.host or conn.host
  -- Several user names in one connection: a brute-forcer hiding failures behind a success (fail2ban gh-2070).
  local failed = line.kind == FAIL or conn.nusers > 1 or (conn.pending and host ~= nil)
  if failed and host then
    for _ = 1, times do failure(host, at, msg) end
    conn.pending = false
  elseif failed then
    conn.pending = true
  end

  if (line.forget or line.gained) and key and connections[key] then
    connections[key] = nil
    nconnections = nconnections - 1
  end
end

-- State that moves ------------------------------------------------------------------------------------
-- In a cluster with `distribution = partitioned`, a bucket that moves to another node (a rebalance, a graceful
-- leave) hands its state over: snapshot() on the old owner, restore(t) on the new one before its first message,
-- so an attacker's failures counted so far still count and its ban still holds.
function snapshot()
  return { failures = failures, banned = banned, connections = connections, latest = latest, seen = seen }
end

function restore(t)
  failures, banned, connections = t.failures or {}, t.banned or {}, t.connections or {}
  latest, seen = tonumber(t.latest) or 0, tonumber(t.seen) or 0
  naddresses, nconnections = 0, 0
  for _ in pairs(failures) do naddresses = naddresses + 1 end
  for _ in pairs(connections) do nconnections = nconnections + 1 end
end
