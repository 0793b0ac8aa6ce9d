-- colortty(text): the line as it fits the terminal, for realtime.lua and realtimeraw.lua. A Lua stand-in for the
-- original's C module colortty (modules/colortty.c, GPL-3.0, same algorithm): text up to the first "\n" or the
-- terminal's width, whichever comes first, with ANSI escape sequences (ESC [ ... final, ESC ( x, ESC x, CSI ...
-- final) copied whole and not counted, then a "\n". Like the C module it counts bytes. The width is $COLUMNS, else
-- 80 (the C module asked the terminal, and did not cut at all when stdout was not one).
local width = math.tointeger(tonumber(os.getenv("COLUMNS") or "")) or 80
if width <= 0 then width = 80 end

local ESC, CSI, LBRACKET, LPAREN, AT = 0x1B, 0x9B, 0x5B, 0x28, 0x40

return function(text)
  text = tostring(text)
  local len, i, count, stop = #text, 1, 0, nil

  -- The end of a sequence's parameters: the first byte at or above '@' (its final byte).
  local function parameters(j)
    while j <= len and text:byte(j) < AT do j = j + 1 end
    return j
  end

  while i <= len do
    local b = text:byte(i)
    if count == width or b == 0x0A then
      stop = i
      break
    elseif b == ESC then
      local nxt = text:byte(i + 1)
      if nxt == LBRACKET then
        i = parameters(i + 2) + 1
      elseif nxt == LPAREN then
        i = i + 3
      else
        i = i + 2
      end
    elseif b == CSI then
      i = parameters(i + 1) + 1
    else
      count = count + 1
      i = i + 1
    end
  end

  return (stop and text:sub(1, stop - 1) or text) .. "\n"
end
