--[[ weave.lua - the first pass of `make book`: fills a chapter with the real
code and the real output, and refuses to build when anything is missing.

A chapter (lessons/NN_name/README.md) asks for:

  ```{.c snippet="sgd.c:sgd_update"}      a listing: the lines between the
  ```                                       marker of sgd_update and the next
                                            /* end snippet */ in that file
                                            (relative to the lesson; a path
                                            with a slash is relative to the
                                            repository root)
  ```{.output file="lr_dilemma"}         a table the lesson program wrote to
  ```                                       RUN/out/NN_name/lr_dilemma.txt
  [ravine_threshold]{.value}             a number from RUN/out/NN_name/values.txt
  ![Caption.](01_zigzag)                 a figure drawn into RUN/fig/01_zigzag.svg
                                            and .pdf by the lesson program
  (RUN is the book's own run of the programs, build/book/run: a reader's runs
  write build/out/ and build/fig/, which the book never reads)

Snippet markers in the sources name the chapters that show them:

  /* snippet: sgd_update, shown in 01_sgd */
  ...the lines of the listing...
  /* end snippet */

  /* snippet: train_loop, shown in 01_sgd, 07_schedules */    (several chapters)

A chapter may show a snippet only if its marker names that chapter (and
scripts/check-snippets.sh fails when a named chapter does not show it), so the
sources say where each listing is explained. A marker on its own line with
anything else after "snippet:" is refused.

A snippet cut from inside a function (its marker is indented) keeps its
indentation and is shown in its place: the function's signature, "{", "..."
where lines are left out, the snippet, "..." and the closing "}".

Metadata (given with -M by the Makefile): lesson (01_sgd), dir (the chapter's
directory, when it is not lessons/LESSON: gpu), build (build dir), run (the
--out the book ran the lesson program with), deps (a file to write: the
sources this chapter read, for make), used (a file to write: the snippets
used, for the unused-snippet check), figs (a file to write: the figures
used). ]]

local lesson, dir, build, run, deps_file, used_file, figs_file
local read_files, used_snippets, used_figs = {}, {}, {}
local MAX_LINE = 92   -- wider lines overflow the PDF page

local function fail(msg)
  io.stderr:write((dir or ("lessons/" .. (lesson or "?"))) .. "/README.md: " .. msg .. "\n")
  os.exit(1)
end

local function read_all(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

local function file_exists(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

local function check_width(text, what)
  local n = 0
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    if utf8.len(line) and utf8.len(line) > MAX_LINE then
      fail(what .. ", line " .. n .. " is " .. utf8.len(line) .. " characters wide (at most " ..
           MAX_LINE .. " fit on a page)")
    end
  end
end

local function get_meta(m)
  local function need(key)
    if not m[key] then error("weave.lua needs -M " .. key .. "=...", 0) end
    return pandoc.utils.stringify(m[key])
  end
  lesson, build, run = need("lesson"), need("build"), need("run")
  -- the chapter's directory: lessons/NN_name, or gpu for the GPU chapter
  dir = m["dir"] and pandoc.utils.stringify(m["dir"]) or ("lessons/" .. lesson)
  deps_file, used_file, figs_file = need("deps"), need("used"), need("figs")
end

-- A snippet marker: "/* snippet: NAME, shown in CHAPTER[, CHAPTER...] */".
-- Returns nil for a line that is no marker, or NAME and the set of chapters;
-- fails on a line that starts like a marker but is not one.
local function parse_marker(line, path, n)
  if not line:match("^%s*/%*%s*snippet:") then return nil end
  local name, list = line:match("^%s*/%* snippet: ([%w_]+), shown in ([%w_, ]+) %*/%s*$")
  local chapters, count = {}, 0
  for chapter in (list or ""):gmatch("[^,]+") do
    chapter = chapter:match("^%s*([%w_]+)%s*$")
    if not chapter then list = nil break end
    chapters[chapter], count = true, count + 1
  end
  if not name or not list or count == 0 then
    fail(path .. ":" .. n .. ": a snippet marker reads " ..
         "/* snippet: NAME, shown in NN_chapter[, NN_chapter...] */, not: " .. line:match("^%s*(.-)%s*$"))
  end
  return name, chapters
end

-- Where a snippet from inside a function sits: the signature lines of the
-- definition around line `first` (the marker), and its closing line after
-- line `last` (the end marker). A definition starts at the left margin.
local function enclosing(lines, first, last, path, name)
  local top = nil
  for i = first - 1, 1, -1 do
    local line = lines[i]
    if line:match("^[%a_]") and not line:match("^[%a_][%w_]*:%s*$") then top = i break end
  end
  if not top then fail(path .. ": snippet '" .. name .. "' is indented but not inside a function") end
  local head, open = {}, nil
  for i = top, first - 1 do
    if lines[i]:match("^{") then open = i break end
    table.insert(head, lines[i])
    if lines[i]:match("{%s*$") then open = i break end
  end
  if not open then fail(path .. ": cannot find the '{' of the function around snippet '" .. name .. "'") end
  if lines[open]:match("^{") then table.insert(head, "{") end
  local close = nil
  for i = last + 1, #lines do
    if lines[i]:match("^}") then close = i break end
  end
  if not close then fail(path .. ": cannot find the end of the function around snippet '" .. name .. "'") end
  -- "..." only where lines are left out.
  local function skipped(from, to)
    for i = from, to do if lines[i]:match("%S") then return true end end
    return false
  end
  return head, skipped(open + 1, first - 1), skipped(last + 1, close - 1), lines[close]
end

-- The lines between the marker of `name` and the next "/* end snippet */",
-- and the set of chapters the marker names.
local function extract_snippet(path, name)
  local text = read_all(path)
  if not text then fail("snippet " .. name .. ": cannot read " .. path) end
  read_files[path] = true
  local all, lines, inside, found, chapters = {}, {}, false, 0, nil
  local first, last = nil, nil
  for line in (text .. "\n"):gmatch("([^\n]*)\n") do
    table.insert(all, line)
    local opened, shown_in = parse_marker(line, path, #all)
    if opened then
      if inside then fail(path .. ": snippet " .. opened .. " starts inside another snippet") end
      if opened == name then
        inside, found, chapters, first = true, found + 1, shown_in, #all
      end
    elseif line:match("^%s*/%* end snippet %*/%s*$") then
      if inside then last = #all end
      inside = false
    elseif inside then
      table.insert(lines, line)
    end
  end
  if found == 0 then fail("no snippet '" .. name .. "' in " .. path) end
  if found > 1 then fail("snippet '" .. name .. "' appears " .. found .. " times in " .. path) end
  if not last then fail(path .. ": snippet '" .. name .. "' has no /* end snippet */") end
  if all[first]:match("^%s") then
    -- From inside a function: shown in its place, with the function around it.
    local indent = all[first]:match("^(%s*)")
    local head, before, after, close = enclosing(all, first, last, path, name)
    local out = head
    if before then table.insert(out, indent .. "...") end
    for _, line in ipairs(lines) do table.insert(out, line) end
    if after then table.insert(out, indent .. "...") end
    table.insert(out, close)
    lines = out
  end
  return table.concat(lines, "\n"), chapters
end

local function listing(el)
  local spec = el.attributes["snippet"]
  local file, name = spec:match("^([^:]+):([%w_]+)$")
  if not file then fail("snippet=\"" .. spec .. "\" should look like file.c:name") end
  local path = file:find("/") and file or (dir .. "/" .. file)
  local code, chapters = extract_snippet(path, name)
  if not chapters[lesson] then
    local names = {}
    for c in pairs(chapters) do table.insert(names, c) end
    table.sort(names)
    fail("snippet " .. spec .. " is marked for " .. table.concat(names, ", ") .. ", not for " .. lesson ..
         ": name this chapter in its marker, /* snippet: " .. name .. ", shown in " ..
         table.concat(names, ", ") .. ", " .. lesson .. " */")
  end
  check_width(code, "snippet " .. spec)
  used_snippets[path .. ":" .. name] = true
  el.text = code
  el.attributes["snippet"] = nil
  el.attributes["source"] = path
  return el
end

local function output(el)
  local name = el.attributes["file"]
  local path = run .. "/out/" .. lesson .. "/" .. name .. ".txt"
  local text = read_all(path)
  if not text then fail("output '" .. name .. "' is missing: " .. path .. " was not written by the lesson program") end
  text = text:gsub("\n$", "")
  check_width(text, "output " .. name)
  el.text = text
  el.attributes["file"] = nil
  -- the source shown is where a reader's own run of the program writes it
  el.attributes["source"] = "build/out/" .. lesson .. "/" .. name .. ".txt"
  return el
end

function CodeBlock(el)
  if el.attributes["snippet"] then return listing(el) end
  if el.classes:includes("output") then
    if not el.attributes["file"] then fail("an output block needs file=\"...\"") end
    return output(el)
  end
  -- Code typed into the chapter by hand must still fit the page.
  check_width(el.text, "a code block")
  return nil
end

local values = nil
local function value_of(name)
  if not values then
    values = {}
    local path = run .. "/out/" .. lesson .. "/values.txt"
    local text = read_all(path)
    if not text then fail("no " .. path .. ": run the lesson program first") end
    for key, v in text:gmatch("([%w_]+) ([^\n]*)\n") do values[key] = v end
  end
  return values[name]
end

local function is_value(el)
  return el.t == "Span" and el.classes:includes("value")
end

-- Each [name]{.value} becomes its number. The woven chapter is Markdown read
-- again by the second pass, and its writer wraps lines anywhere: a number
-- that lands at the start of a line with "." or ")" after it ("1292.") would
-- read back as a numbered list. So the character after a value is escaped.
function Inlines(inlines)
  local out = pandoc.List()
  for i, el in ipairs(inlines) do
    local prev = inlines[i - 1]
    if is_value(el) then
      local name = pandoc.utils.stringify(el.content)
      local v = value_of(name)
      if not v then fail("value '" .. name .. "' is not in " .. run .. "/out/" .. lesson .. "/values.txt") end
      out:insert(pandoc.Str(v))
    elseif prev and is_value(prev) and el.t == "Str" and el.text:match("^[.)]") then
      out:insert(pandoc.RawInline("markdown", "\\" .. el.text:sub(1, 1)))
      if #el.text > 1 then out:insert(pandoc.Str(el.text:sub(2))) end
    else
      out:insert(el)
    end
  end
  return out
end

function Image(el)
  local name = el.src
  if name:find("/") or name:find("%.") then
    fail("figure '" .. name .. "': name the figure only (like 01_zigzag), not a path")
  end
  for _, ext in ipairs({".svg", ".pdf"}) do
    if not file_exists(run .. "/fig/" .. name .. ext) then
      fail("figure '" .. name .. "' is missing: the lesson program did not draw " ..
           run .. "/fig/" .. name .. ext)
    end
  end
  used_figs[name] = true
  el.src = "fig/" .. name
  return el
end

local function write_lines(path, set, prefix)
  local f = assert(io.open(path, "w"))
  local keys = {}
  for k in pairs(set) do table.insert(keys, k) end
  table.sort(keys)
  if prefix then f:write(prefix) end
  for _, k in ipairs(keys) do f:write(prefix and (" " .. k) or (k .. "\n")) end
  if prefix then f:write("\n") end
  f:close()
end

local function finish(doc)
  -- For make: the chapter depends on every source file it took a listing from.
  write_lines(deps_file, read_files, build .. "/book/src/" .. lesson .. ".md:")
  write_lines(used_file, used_snippets)
  write_lines(figs_file, used_figs)
  return doc
end

return {
  {Meta = get_meta},
  {CodeBlock = CodeBlock, Inlines = Inlines, Image = Image},
  {Pandoc = finish},
}
