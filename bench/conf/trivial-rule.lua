-- The bench's trivial rule: Lua sees every message, reads one field and counts. What it costs is the price of
-- handing each message to a Lua state.
local seen = 0

function log(msg)
  if msg.program ~= "" then
    seen = seen + 1
  end
end
