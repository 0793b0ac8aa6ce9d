-- hostcounts_ext: the original's `hostcounts` (also shipped), but log() puts its summary into the pipeline with
-- syslog() (facility syslog, program summary/hosts, level info) instead of calling the script's I_prlog; hosts are
-- sorted, idle ones left out, and nothing is logged when no host sent anything. inc(host) counts; log() then
-- resets every count to 0 and forgets hosts that were already idle for a whole period. Its counts are the global
-- `g_hostcount_ext` (the original's `g_hostcount` has another shape), kept across reloads.
local M = {}

g_hostcount_ext = g_hostcount_ext or {}

function M.inc(host)
  g_hostcount_ext[host] = (g_hostcount_ext[host] or 0) + 1
end

function M.log()
  local hosts = {}
  for host in pairs(g_hostcount_ext) do hosts[#hosts + 1] = host end
  table.sort(hosts)
  local parts = {}
  for _, host in ipairs(hosts) do
    local n = g_hostcount_ext[host]
    if n == 0 then
      g_hostcount_ext[host] = nil
    else
      parts[#parts + 1] = string.format(" %s:%d", host, n)
      g_hostcount_ext[host] = 0
    end
  end
  if #parts > 0 then syslog("info", table.concat(parts), "syslog", "summary/hosts") end
end

return M
