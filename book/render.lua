--[[ render.lua - the second pass of `make book`: what differs between the
HTML pages and the PDF.

  - figures: fig/NAME becomes fig/NAME.svg (HTML) or fig/NAME.pdf (LaTeX); in
    HTML their captions are numbered "Figure C.N" (LaTeX numbers its own);
  - display equations are numbered, (C.N) in HTML and by LaTeX in the PDF;
  - listings and outputs: labelled with the file they come from;
  - references: each HTML chapter lists its own; the PDF collects them all in
    the bibliography at the back, so chapter "References" sections go;
  - interactive figures (a Div of class "playground" holding the figure's
    JSON config, see wasm/playground.js): in HTML, when the playground was
    built, a <div> the page's script brings to life, and the two scripts at
    the end of the page; otherwise (the PDF, or no WebAssembly toolchain)
    nothing: the static figures stay;
  - links to a chapter's page (NN_name.html) go to its heading in the PDF;
  - Chinese text (the English-Chinese glossary) is marked lang="zh-Hans" in
    HTML, and set in the CJK font of latex-header.tex in the PDF.

Metadata: chapter (the chapter number, for HTML figure and equation numbers);
playground ("yes" when build/wasm/playground.wasm was built). ]]

local is_html = FORMAT:match("html") ~= nil
local is_latex = FORMAT:match("latex") ~= nil
local chapter = nil
local figure_count, equation_count = 0, 0
local playground, playgrounds = false, 0

local function get_meta(m)
  if m.chapter then chapter = pandoc.utils.stringify(m.chapter) end
  playground = m.playground ~= nil and pandoc.utils.stringify(m.playground) == "yes"
end

local function html_attribute(s)
  return (s:gsub("&", "&amp;"):gsub('"', "&quot;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

-- An interactive figure: the Div's first block is its JSON config (a code
-- block), the rest its caption, in HTML only.
function Div(el)
  if not el.classes:includes("playground") then return nil end
  if not (is_html and playground) then return {} end
  local config = el.content[1]
  if not config or config.t ~= "CodeBlock" then
    error("a playground Div must hold its JSON config as a code block")
  end
  playgrounds = playgrounds + 1
  local figure = pandoc.RawBlock("html", '<div class="playground" data-config="' .. html_attribute(config.text) ..
                                         '">(an interactive figure: it needs JavaScript and WebAssembly)</div>')
  -- What follows the config is the figure's caption, shown under it.
  local caption = {}
  for i = 2, #el.content do table.insert(caption, el.content[i]) end
  return {figure, pandoc.Div(caption, pandoc.Attr("", {"playground-caption"}))}
end

local function latex_escape(s)
  return (s:gsub("[\\{}_&%%#$^~]", function(c) return "\\" .. c end))
end

local function label(path, kind)
  if is_html then
    return pandoc.RawBlock("html", '<div class="' .. kind .. '-source">' .. path .. '</div>')
  elseif is_latex then
    return pandoc.RawBlock("latex", "\\" .. kind .. "source{" .. latex_escape(path) .. "}")
  end
end

function CodeBlock(el)
  local source = el.attributes["source"]
  if not source then return nil end
  local kind = el.classes:includes("output") and "output" or "listing"
  if is_latex and kind == "output" then
    -- Program output in a small framed verbatim block (see latex-header.tex).
    return {label(source, kind),
            pandoc.RawBlock("latex", "\\begin{ProgramOutput}\n" .. el.text .. "\n\\end{ProgramOutput}")}
  end
  if is_html then
    return pandoc.Div({label(source, kind), el}, pandoc.Attr("", {kind}))
  end
  return {label(source, kind), el}
end

-- Display equations are numbered: by LaTeX in the PDF, "(C.N)" in HTML.
function Math(el)
  if el.mathtype ~= "DisplayMath" then return nil end
  if is_latex then
    return pandoc.RawInline("latex", "\\begin{equation}" .. el.text .. "\\end{equation}")
  end
  if is_html and chapter then
    equation_count = equation_count + 1
    local number = "(" .. tonumber(chapter) .. "." .. equation_count .. ")"
    return pandoc.Span({el, pandoc.Span({pandoc.Str(number)}, pandoc.Attr("", {"equation-number"}))},
                       pandoc.Attr("", {"equation"}))
  end
end

-- An implicit figure is a paragraph holding a single image whose title is "fig:".
function Para(el)
  if #el.content ~= 1 or el.content[1].t ~= "Image" then return nil end
  local img = el.content[1]
  if not img.src:match("^fig/") then return nil end
  img.src = img.src .. (is_latex and ".pdf" or ".svg")
  if is_html and chapter then
    figure_count = figure_count + 1
    local number = pandoc.Strong({pandoc.Str("Figure " .. tonumber(chapter) .. "." .. figure_count .. ".")})
    local caption = {number, pandoc.Space()}
    for _, inline in ipairs(img.caption) do table.insert(caption, inline) end
    img.caption = caption
  end
  return el
end

-- Whole-document fixes, in reading order:
--  - sections of an unnumbered chapter (the preface, the back matter) are
--    unnumbered too, and in the PDF its title goes into the running head;
--  - in the PDF the chapter reference lists give way to the bibliography.
local function whole_document(doc)
  local blocks, skipping, unnumbered = {}, false, false
  for _, b in ipairs(doc.blocks) do
    if b.t == "Header" and b.level == 1 then
      unnumbered = b.classes:includes("unnumbered")
      skipping = false
    elseif b.t == "Header" and unnumbered and not b.classes:includes("unnumbered") then
      b.classes:insert("unnumbered")
    end
    if is_latex and b.t == "Header" and b.classes:includes("chapter-references") then
      skipping = true
    elseif skipping and b.t == "Header" and b.level <= 2 then
      skipping = false
    end
    if not skipping then table.insert(blocks, b) end
    if is_latex and b.t == "Header" and b.level == 1 and unnumbered then
      local title = latex_escape(pandoc.utils.stringify(b.content))
      table.insert(blocks, pandoc.RawBlock("latex", "\\markboth{" .. title .. "}{" .. title .. "}"))
    end
  end
  if playgrounds > 0 then
    table.insert(blocks, pandoc.RawBlock("html", '<script src="playground-wasm.js"></script>\n' ..
                                                 '<script src="playground.js"></script>'))
  end
  doc.blocks = blocks
  return doc
end

-- A page links to a chapter as NN_name.html (e.g. [2](02_momentum.html)). The
-- PDF is one document, so there the link goes to the heading of the NN-th
-- numbered chapter instead (plain text if the document has no such chapter).
local chapter_ids = {}
local function find_chapters(doc)
  local n = 0
  for _, b in ipairs(doc.blocks) do
    if b.t == "Header" and b.level == 1 and not b.classes:includes("unnumbered") then
      n = n + 1
      if b.identifier == "" then b.identifier = "chapter-" .. n end
      chapter_ids[n] = b.identifier
    end
  end
  return doc
end

local function Link(el)
  local nn = el.target:match("^(%d%d)_[%w_]+%.html$")
  if not nn then return nil end
  local id = chapter_ids[tonumber(nn)]
  if not id then return el.content end
  el.target = "#" .. id
  return el
end

-- Chinese: runs of CJK characters (U+2E80 to U+9FFF, fullwidth forms
-- U+FF00 to U+FFEF) inside a word. The PDF's main font has no glyphs for
-- them, so LaTeX sets them in \cjkfont; HTML marks them for the browser.
local function is_cjk(c)
  return (c >= 0x2E80 and c <= 0x9FFF) or (c >= 0xFF00 and c <= 0xFFEF)
end

local function Str(el)
  local runs, run, run_cjk = {}, {}, nil
  for _, c in utf8.codes(el.text) do
    local cjk = is_cjk(c)
    if run_cjk ~= nil and cjk ~= run_cjk then
      table.insert(runs, {text = table.concat(run), cjk = run_cjk})
      run = {}
    end
    table.insert(run, utf8.char(c))
    run_cjk = cjk
  end
  if run_cjk == nil then return nil end
  table.insert(runs, {text = table.concat(run), cjk = run_cjk})
  if #runs == 1 and not runs[1].cjk then return nil end
  local out = {}
  for _, r in ipairs(runs) do
    if not r.cjk then
      table.insert(out, pandoc.Str(r.text))
    elseif is_latex then
      table.insert(out, pandoc.RawInline("latex", "{\\cjkfont " .. r.text .. "}"))
    else
      table.insert(out, pandoc.Span({pandoc.Str(r.text)}, pandoc.Attr("", {}, {lang = "zh-Hans"})))
    end
  end
  return out
end

return {
  {Meta = get_meta},
  {CodeBlock = CodeBlock, Para = Para, Math = Math, Div = Div},
  {Pandoc = whole_document},
  is_latex and {Pandoc = find_chapters} or {},
  is_latex and {Link = Link} or {},
  {Str = Str},
}
