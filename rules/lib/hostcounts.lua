-- hostcounts: messages per host. inc(host) counts; log() emits one summary/hosts message at info,
-- " host:count ...", then resets every count to 0 and forgets hosts that were already idle for a whole period.
local I_prlog = require "I_prlog"
local M = {}

g_hostcount = g_hostcount or {}

function M.inc(host)
  g_hostcount[host] = (g_hostcount[host] or 0) + 1
end

function M.log()
  local hosts = {}
  for host in pairs(g_hostcount) do hosts[#hosts + 1] = host end
  table.sort(hosts)
  local parts = {}
  for _, host in ipairs(hosts) do
    local n = g_hostcount[host]
    if n == 0 then
      g_hostcount[host] = nil
    else
      parts[#parts + 1] = string.format(" %s:%d", host, n)
      g_hostcount[host] = 0
    end
  end
  if #parts > 0 then I_prlog("summary/hosts", "info", table.concat(parts)) end
end

return M
