-- One summary/mail line per delivered mail, from Postfix's many log lines; relayed to `options.relay`
-- (a host name) when set, and logged back into the pipeline either way.
--   syslogintr.rules.postfix { script = "rules/postfix-summary.lua", match { facility = mail, program = "postfix/*" } }
local summarize = require "postfix-mailsummary_ext"
local home = options.relay and host(options.relay, options.port)

function log(msg)
  local summary = summarize(msg)
  if summary then
    syslog("info", summary.msg, "mail", "summary/mail")
    if home then relay(home, summary) end
  end
end
