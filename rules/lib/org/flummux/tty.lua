-- org.flummux.tty: a Lua stand-in for the original author's C module of that name, as status.lua uses it: ANSI
-- escape sequences written to stdout (the script owns stdout in script mode).
local io, string, tostring = io, string, tostring

local tty = {}

local function out(...)
  io.stdout:write(...)
  io.stdout:flush()
end

-- Nothing to set up for an ANSI terminal: the module writes to stdout, which the script owns.
function tty.open()
  return true
end

-- Cursor back on and colours reset.
function tty.close()
  out("\27[0m\27[?25h")
end

function tty.clear_screen()
  out("\27[2J\27[H")
end

function tty.cursor_off()
  out("\27[?25l")
end

function tty.cursor_on()
  out("\27[?25h")
end

-- move(x, y): column x, row y, both from 1.
function tty.move(x, y)
  out(string.format("\27[%d;%dH", y, x))
end

-- write([color,] text): color is an escape sequence such as "\27[1;31m", written before the text.
function tty.write(color, text)
  if text == nil then
    out(tostring(color))
  else
    out(tostring(color), tostring(text))
  end
end

-- One character from stdin (nil at its end).
function tty.readchar()
  return io.read(1)
end

return tty
