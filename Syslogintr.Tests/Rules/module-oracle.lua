-- Runs one module named like one of the original syslogintr's over the inputs in `module_oracle_inputs` and prints
-- one line per result: under lua5.4 with the original's modules (`lua5.4 module-oracle.lua SECTION`), and as a rule
-- in our host with the shipped ones (a message whose text is SECTION). See OriginalModulesTests. The clock is left
-- out of every line (the two runs do not share it), and hostcounts' " host:count" parts are sorted (the original
-- lists them in `pairs` order, which is not the same from one Lua state to the next).
local inputs = require "module_oracle_inputs"
local out = syslog and function(line) syslog("info", line) end or print
local function emit(line) out((line:gsub("\n", "\\n"))) end

local function show(t)
  local keys = {}
  for k in pairs(t) do
    if k ~= "timestamp" then keys[#keys + 1] = k end
  end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do
    local v = t[k]
    if k == "program" and v == script then v = "<script>" end
    parts[#parts + 1] = k .. "=" .. tostring(v)
  end
  return table.concat(parts, " ")
end

local sections = {}

function sections.deltatime()
  local deltatime = require "deltatime"
  for _, secs in ipairs(inputs.durations) do emit(tostring(secs) .. " -> " .. deltatime(secs)) end
end

function sections.template()
  local template = require "template"
  for _, case in ipairs(inputs.templates) do emit(template(case.text, inputs.callbacks, case.data)) end
end

function sections.I_log()
  local I_log = require "I_log"
  for _, l in ipairs(inputs.logs) do I_log(l[1], l[2]) end
end

function sections.I_prlog()
  local I_prlog = require "I_prlog"
  for _, l in ipairs(inputs.logs) do I_prlog(l[3], l[1], l[2]) end
end

function sections.hostcounts()
  I_prlog = require "I_prlog" -- as the original's scripts do: hostcounts calls the global
  local hostcounts = require "hostcounts"
  for _, round in ipairs(inputs.rounds) do
    for _, host in ipairs(round) do hostcounts.inc(host) end
    hostcounts.log()
  end
end

sections["postfix-mailsummary"] = function()
  local summarize = require "postfix-mailsummary"
  for _, m in ipairs(inputs.postfix) do
    local summary = summarize(m)
    emit(summary and show(summary) or tostring(summary))
  end
end

function sections.sendmail()
  io.popen = function(command, mode) -- a recording stand-in: nothing is run
    emit("popen " .. command .. " " .. mode)
    return {
      write = function(_, text) emit("write " .. (text:gsub("\nDate: [^\n]*", "\nDate: <now>"))) end,
      close = function() emit("close") end,
    }
  end
  local sendmail = require "sendmail"
  for _, mail in ipairs(inputs.mails) do sendmail(mail) end
end

function log(m)
  if m.host == "(internal)" then
    if m.program == "summary/hosts" then
      local counts = {}
      for part in m.msg:gmatch("%S+") do counts[#counts + 1] = part end
      table.sort(counts)
      m.msg = table.concat(counts, ",")
    end
    emit("log{} " .. show(m))
  else
    sections[m.msg]()
  end
end

if not syslog then log { msg = arg[1] } end
