//! The A4 PDF of an invoice or credit note, laid out by hand on krilla: a first-page heading
//! with both parties, the lines table (long descriptions wrapped, the header repeated on every
//! page), the VAT breakdown and totals at the end, the notes, and "Page n of m" on each page.
//!
//! Layout and painting are two passes: the layout puts shaped text on pages, so the painter
//! knows how many pages there are before it writes the first footer. The bytes depend only on
//! the document: no clock is read, the metadata are fixed, and krilla derives the file id from
//! the content — the same invoice renders to the same bytes on every instance.
//!
//! The text is DejaVu Sans, embedded as a subset with a ToUnicode map, so the PDF shows the same
//! everywhere and its text can be searched and copied.
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::Document;

use chrono::Datelike;

use super::{address_lines, Printed, PrintedLine};
use crate::domain::invoice::{Invoice, Party};

/// Why a document could not be rendered as a PDF.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// The bundled font did not parse (a broken build, never the document's fault).
    #[error("the bundled font {0} could not be read")]
    Font(&'static str),
    /// The PDF engine refused to write the document.
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// Renders the document as an A4 PDF (a draft too, marked `DRAFT`; see the module above).
pub fn pdf(doc: &Invoice) -> Result<Vec<u8>, DocumentError> {
    let fonts = Fonts::load()?;
    let printed = Printed::of(doc);
    let mut layout = Layout::new(&fonts, &printed);
    layout.heading(&printed);
    layout.lines(&printed.lines);
    layout.totals(&printed);
    layout.notes(printed.notes);
    paint(&fonts, &printed, metadata(doc, &printed), layout.pages)
}

// --- Page geometry (PDF points, origin top left) ----------------------------------------------

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 48.0;
const LEFT: f32 = MARGIN;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
/// Where the body of a page ends; the footer lives below.
const BODY_BOTTOM: f32 = PAGE_HEIGHT - MARGIN - 14.0;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - MARGIN + 8.0;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.3;
/// A description wraps to at most this many lines; the rest is cut with an ellipsis.
const MAX_DESCRIPTION_LINES: usize = 4;
const GAP: f32 = 6.0;

/// The columns of the lines table: date, description (what is left), quantity, unit price, VAT
/// rate, net. Widths of the fixed columns; every column but the first two is right-aligned.
const DATE_WIDTH: f32 = 54.0;
const QUANTITY_WIDTH: f32 = 48.0;
const PRICE_WIDTH: f32 = 64.0;
const RATE_WIDTH: f32 = 36.0;
const NET_WIDTH: f32 = 68.0;
const NET_RIGHT: f32 = RIGHT;
const RATE_RIGHT: f32 = NET_RIGHT - NET_WIDTH - GAP;
const PRICE_RIGHT: f32 = RATE_RIGHT - RATE_WIDTH - GAP;
const QUANTITY_RIGHT: f32 = PRICE_RIGHT - PRICE_WIDTH - GAP;
const DESCRIPTION_LEFT: f32 = LEFT + DATE_WIDTH + GAP;
const DESCRIPTION_WIDTH: f32 = QUANTITY_RIGHT - QUANTITY_WIDTH - GAP - DESCRIPTION_LEFT;

/// Where the VAT breakdown and totals block starts (it ends at the right margin).
const SUMMARY_LEFT: f32 = PAGE_WIDTH / 2.0;

// --- Fonts and shaping -----------------------------------------------------------------------

/// One font: krilla's handle for embedding and rustybuzz's for shaping and measuring.
struct Face {
    pdf: Font,
    shaper: rustybuzz::Face<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(name: &'static str, bytes: &'static [u8]) -> Result<Face, DocumentError> {
        let pdf = Font::new(bytes.into(), 0).ok_or(DocumentError::Font(name))?;
        let shaper = rustybuzz::Face::from_slice(bytes, 0).ok_or(DocumentError::Font(name))?;
        let units_per_em = shaper.units_per_em() as f32;
        Ok(Face {
            pdf,
            shaper,
            units_per_em,
        })
    }
}

struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    fn load() -> Result<Fonts, DocumentError> {
        Ok(Fonts {
            regular: Face::load("DejaVu Sans", dejavu::sans::regular())?,
            bold: Face::load("DejaVu Sans Bold", dejavu::sans::bold())?,
        })
    }

    fn face(&self, style: Style) -> &Face {
        if style.bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    /// Shapes one line of text (left to right; invoices here are in Latin script).
    fn shape(&self, style: Style, text: &str) -> Run {
        let face = self.face(style);
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(rustybuzz::Direction::LeftToRight);
        buffer.guess_segment_properties();
        let output = rustybuzz::shape(&face.shaper, &[], buffer);
        let infos = output.glyph_infos();
        let em = face.units_per_em;
        let mut glyphs = Vec::with_capacity(infos.len());
        let mut advance = 0.0;
        for (i, (info, position)) in infos.iter().zip(output.glyph_positions()).enumerate() {
            let start = info.cluster as usize;
            // A cluster ends where the next one starts (ligatures share one).
            let end = infos[i + 1..]
                .iter()
                .map(|next| next.cluster as usize)
                .find(|&next| next != start)
                .unwrap_or(text.len());
            advance += position.x_advance as f32 / em;
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                position.x_advance as f32 / em,
                position.x_offset as f32 / em,
                position.y_offset as f32 / em,
                position.y_advance as f32 / em,
                start..end,
                None,
            ));
        }
        Run {
            text: text.to_owned(),
            glyphs,
            width: advance * style.size,
            style,
        }
    }

    fn width(&self, style: Style, text: &str) -> f32 {
        self.shape(style, text).width
    }
}

/// How a piece of text is set.
#[derive(Debug, Clone, Copy)]
struct Style {
    size: f32,
    bold: bool,
    muted: bool,
}

const BODY: Style = Style {
    size: 9.0,
    bold: false,
    muted: false,
};
const STRONG: Style = Style { bold: true, ..BODY };
const SMALL: Style = Style {
    size: 8.0,
    bold: false,
    muted: true,
};
const CELL: Style = Style { size: 8.5, ..BODY };
const CELL_HEAD: Style = Style { bold: true, ..CELL };
const NAME: Style = Style {
    size: 11.0,
    bold: true,
    muted: false,
};
const TITLE: Style = Style {
    size: 20.0,
    bold: true,
    muted: false,
};

impl Style {
    fn line_height(self) -> f32 {
        self.size * LEADING
    }
}

/// A shaped line of text.
struct Run {
    text: String,
    glyphs: Vec<KrillaGlyph>,
    width: f32,
    style: Style,
}

// --- Layout ----------------------------------------------------------------------------------

/// What a page shows, placed.
enum Mark {
    /// Text whose baseline starts at (x, y).
    Text { x: f32, y: f32, run: Run },
    /// A filled rectangle: rules and the shaded table header.
    Fill {
        rect: (f32, f32, f32, f32),
        shade: u8,
    },
}

/// The pages laid out so far and where the next thing goes on the last one.
struct Layout<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Mark>>,
    /// The top of the next line on the current page.
    y: f32,
    /// What continuation pages say at their top: "Invoice F2026-000042 (continued)".
    continued: String,
}

impl<'f> Layout<'f> {
    fn new(fonts: &'f Fonts, printed: &Printed<'_>) -> Layout<'f> {
        Layout {
            fonts,
            pages: vec![Vec::new()],
            y: MARGIN,
            continued: format!("{} {} (continued)", printed.title, printed.number),
        }
    }

    fn marks(&mut self) -> &mut Vec<Mark> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Text with its top-left corner at (x, top).
    fn text(&mut self, x: f32, top: f32, style: Style, text: &str) {
        let run = self.fonts.shape(style, text);
        self.place(x, top, run);
    }

    /// Text ending at `right`.
    fn text_right(&mut self, right: f32, top: f32, style: Style, text: &str) {
        let run = self.fonts.shape(style, text);
        self.place(right - run.width, top, run);
    }

    fn place(&mut self, x: f32, top: f32, run: Run) {
        let baseline = top + run.style.size * 0.95;
        self.marks().push(Mark::Text {
            x,
            y: baseline,
            run,
        });
    }

    fn rule(&mut self, y: f32, left: f32, right: f32, weight: f32) {
        self.marks().push(Mark::Fill {
            rect: (left, y, right - left, weight),
            shade: 120,
        });
    }

    /// Words wrapped to `width`; a word too long for a line is broken where it must be.
    fn wrap(&self, style: Style, text: &str, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.lines() {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.fonts.width(style, &candidate) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                line = self.break_word(style, word, width, &mut lines);
            }
            lines.push(line);
        }
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        lines
    }

    /// Pushes full-width pieces of `word` to `lines` and returns what is left of it.
    fn break_word(&self, style: Style, word: &str, width: f32, lines: &mut Vec<String>) -> String {
        let mut piece = String::new();
        for ch in word.chars() {
            piece.push(ch);
            if self.fonts.width(style, &piece) > width && piece.chars().count() > 1 {
                piece.pop();
                lines.push(std::mem::take(&mut piece));
                piece.push(ch);
            }
        }
        piece
    }

    /// Starts a new page if less than `height` is left on this one; true if it did.
    fn make_room(&mut self, height: f32) -> bool {
        if self.y + height <= BODY_BOTTOM {
            return false;
        }
        self.pages.push(Vec::new());
        self.y = MARGIN;
        let continued = self.continued.clone();
        self.text(LEFT, MARGIN, SMALL, &continued);
        self.y = MARGIN + SMALL.line_height() + 8.0;
        true
    }

    /// The first page's heading: supplier and document facts side by side, then the customer.
    fn heading(&mut self, printed: &Printed<'_>) {
        let top = self.y;
        let left_bottom = self.party(LEFT, top, SUMMARY_LEFT - GAP - LEFT, printed.supplier);
        let right_bottom = self.facts(top, printed);
        self.y = left_bottom.max(right_bottom) + 18.0;
        let top = self.y;
        self.text(LEFT, top, SMALL, "Bill to");
        let width = SUMMARY_LEFT - GAP - LEFT;
        self.y = self.party(LEFT, top + SMALL.line_height(), width, printed.customer) + 20.0;
    }

    /// A party's name, address and tax id from (x, top); returns the bottom.
    fn party(&mut self, x: f32, top: f32, width: f32, party: Option<&Party>) -> f32 {
        let Some(party) = party else {
            self.text(x, top, BODY, "Fixed when the invoice is issued.");
            return top + BODY.line_height();
        };
        let mut y = top;
        for line in self.wrap(NAME, &party.name, width) {
            self.text(x, y, NAME, &line);
            y += NAME.line_height();
        }
        y += 2.0;
        let mut lines = Vec::new();
        for line in address_lines(party) {
            lines.extend(self.wrap(BODY, line, width));
        }
        if let Some(tax_id) = &party.tax_id {
            lines.push(format!("Tax id: {tax_id}"));
        }
        for line in lines {
            self.text(x, y, BODY, &line);
            y += BODY.line_height();
        }
        y
    }

    /// Title, number, dates and period at the top right; returns the bottom.
    fn facts(&mut self, top: f32, printed: &Printed<'_>) -> f32 {
        self.text_right(RIGHT, top, TITLE, printed.title);
        let mut y = top + TITLE.line_height() + 4.0;
        let mut facts: Vec<(&str, &str)> = vec![("Number", printed.number)];
        facts.push((
            "Issue date",
            printed.issue_date.as_deref().unwrap_or("not issued yet"),
        ));
        if let Some(due) = &printed.due_date {
            facts.push(("Due date", due));
        }
        facts.push(("Service period", &printed.period));
        if let Some(original) = printed.corrects {
            facts.push(("Corrects invoice", original));
        }
        for (label, value) in facts {
            self.text(SUMMARY_LEFT, y, BODY, label);
            let style = if label == "Number" { STRONG } else { BODY };
            self.text_right(RIGHT, y, style, value);
            y += BODY.line_height() + 1.0;
        }
        if printed.draft {
            let warning = "Draft — not a valid invoice until it is issued.";
            self.text_right(RIGHT, y + 4.0, STRONG, warning);
            y += STRONG.line_height() + 4.0;
        }
        y
    }

    /// The shaded header row of the lines table.
    fn table_header(&mut self) {
        let height = CELL_HEAD.line_height() + 6.0;
        let top = self.y;
        self.marks().push(Mark::Fill {
            rect: (LEFT, top, RIGHT - LEFT, height),
            shade: 232,
        });
        let top = self.y + 3.0;
        self.text(LEFT + 2.0, top, CELL_HEAD, "Date");
        self.text(DESCRIPTION_LEFT, top, CELL_HEAD, "Description");
        self.text_right(QUANTITY_RIGHT, top, CELL_HEAD, "Quantity");
        self.text_right(PRICE_RIGHT, top, CELL_HEAD, "Unit price");
        self.text_right(RATE_RIGHT, top, CELL_HEAD, "VAT");
        self.text_right(NET_RIGHT - 2.0, top, CELL_HEAD, "Net");
        self.y += height + 2.0;
    }

    /// The lines table, a row at a time, repeating its header on each new page.
    fn lines(&mut self, lines: &[PrintedLine<'_>]) {
        if lines.is_empty() {
            self.text(LEFT, self.y, BODY, "No lines.");
            self.y += BODY.line_height() + 12.0;
            return;
        }
        self.make_room(CELL_HEAD.line_height() * 3.0);
        self.table_header();
        for line in lines {
            let description = self.description(line.description);
            let height = description.len().max(1) as f32 * CELL.line_height() + 4.0;
            if self.make_room(height) {
                self.table_header();
            }
            let top = self.y + 2.0;
            self.text(LEFT + 2.0, top, CELL, &line.date);
            for (i, text) in description.iter().enumerate() {
                let y = top + i as f32 * CELL.line_height();
                self.text(DESCRIPTION_LEFT, y, CELL, text);
            }
            self.text_right(QUANTITY_RIGHT, top, CELL, &line.quantity);
            self.text_right(PRICE_RIGHT, top, CELL, &line.unit_price);
            self.text_right(RATE_RIGHT, top, CELL, &line.vat_rate);
            self.text_right(NET_RIGHT - 2.0, top, CELL, &line.net);
            self.y += height;
            self.rule(self.y - 0.5, LEFT, RIGHT, 0.3);
        }
        self.y += 14.0;
    }

    /// A description wrapped to its column, at most [`MAX_DESCRIPTION_LINES`] lines; a longer
    /// one ends in an ellipsis (the HTML shows it whole).
    fn description(&self, text: &str) -> Vec<String> {
        // Far more than the lines can hold; spares measuring the rest of a huge description.
        let text: String = text.chars().take(MAX_DESCRIPTION_LINES * 120).collect();
        let mut wrapped = self.wrap(CELL, &text, DESCRIPTION_WIDTH);
        if wrapped.len() > MAX_DESCRIPTION_LINES {
            wrapped.truncate(MAX_DESCRIPTION_LINES);
            if let Some(last) = wrapped.last_mut() {
                while !last.is_empty()
                    && self.fonts.width(CELL, &format!("{last}…")) > DESCRIPTION_WIDTH
                {
                    last.pop();
                }
                last.push('…');
            }
        }
        wrapped
    }

    /// The VAT breakdown and the totals, kept together on one page.
    fn totals(&mut self, printed: &Printed<'_>) {
        let width = RIGHT - SUMMARY_LEFT;
        let rates: Vec<(&super::PrintedRate<'_>, Vec<String>)> = printed
            .rates
            .iter()
            .map(|rate| {
                let note = rate
                    .exemption
                    .map(|reference| self.wrap(SMALL, &format!("Exempt: {reference}"), width))
                    .unwrap_or_default();
                (rate, note)
            })
            .collect();
        let notes: usize = rates.iter().map(|(_, note)| note.len()).sum();
        let row = BODY.line_height() + 2.0;
        let height = row * (rates.len() as f32 + 5.0) + notes as f32 * SMALL.line_height() + 12.0;
        self.make_room(height);
        let base_right = RIGHT - 80.0;
        self.text(SUMMARY_LEFT, self.y, STRONG, "VAT rate");
        self.text_right(base_right, self.y, STRONG, "Taxable base");
        self.text_right(RIGHT, self.y, STRONG, "VAT");
        self.y += row;
        self.rule(self.y - 1.0, SUMMARY_LEFT, RIGHT, 0.5);
        for (rate, note) in rates {
            self.text(SUMMARY_LEFT, self.y, BODY, &rate.rate);
            self.text_right(base_right, self.y, BODY, &rate.base);
            self.text_right(RIGHT, self.y, BODY, &rate.vat);
            self.y += row;
            for line in note {
                self.text(SUMMARY_LEFT, self.y - 1.0, SMALL, &line);
                self.y += SMALL.line_height();
            }
        }
        self.y += 6.0;
        self.rule(self.y - 2.0, SUMMARY_LEFT, RIGHT, 0.5);
        for (label, value, style) in [
            ("Net", &printed.net, BODY),
            ("VAT", &printed.vat, BODY),
            ("Total", &printed.total, NAME),
        ] {
            self.text(SUMMARY_LEFT, self.y, style, label);
            self.text_right(RIGHT, self.y, style, value);
            self.y += style.line_height() + 2.0;
        }
        self.y += 16.0;
    }

    /// The notes, wrapped to the page, flowing onto new pages if they must.
    fn notes(&mut self, notes: &str) {
        if notes.is_empty() {
            return;
        }
        self.make_room(STRONG.line_height() + BODY.line_height() * 2.0);
        self.text(LEFT, self.y, STRONG, "Notes");
        self.y += STRONG.line_height() + 2.0;
        for line in self.wrap(BODY, notes, RIGHT - LEFT) {
            self.make_room(BODY.line_height());
            self.text(LEFT, self.y, BODY, &line);
            self.y += BODY.line_height();
        }
    }
}

// --- Painting --------------------------------------------------------------------------------

/// Fixed metadata: the title, and the issue date as the creation date (never the clock).
fn metadata(doc: &Invoice, printed: &Printed<'_>) -> Metadata {
    let title = format!("{} {}", printed.title, printed.number);
    let mut metadata = Metadata::new()
        .title(title.clone())
        .creator("Obrador".into())
        .language("en".into())
        .document_id(format!("obrador-invoice-{}-{title}", doc.id.get()));
    if let Some(supplier) = &doc.supplier {
        metadata = metadata.authors(vec![supplier.name.clone()]);
    }
    if let Some(day) = doc.issue_date {
        let (Ok(year), Ok(month), Ok(date)) = (
            u16::try_from(day.year()),
            u8::try_from(day.month()),
            u8::try_from(day.day()),
        ) else {
            return metadata;
        };
        metadata = metadata.creation_date(DateTime::new(year).month(month).day(date));
    }
    metadata
}

fn paint(
    fonts: &Fonts,
    printed: &Printed<'_>,
    metadata: Metadata,
    pages: Vec<Vec<Mark>>,
) -> Result<Vec<u8>, DocumentError> {
    let mut document = Document::new();
    document.set_metadata(metadata);
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| DocumentError::Pdf("A4 is not a page size".into()))?;
    let count = pages.len();
    let footer_left = match printed.supplier {
        Some(supplier) => format!("{} {} · {}", printed.title, printed.number, supplier.name),
        None => format!("{} {}", printed.title, printed.number),
    };
    for (index, marks) in pages.into_iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for mark in marks {
            draw(&mut surface, fonts, mark);
        }
        let numbering = format!("Page {} of {count}", index + 1);
        let footer = [
            (LEFT, fonts.shape(SMALL, &footer_left)),
            (
                RIGHT - fonts.width(SMALL, &numbering),
                fonts.shape(SMALL, &numbering),
            ),
        ];
        for (x, run) in footer {
            draw(
                &mut surface,
                fonts,
                Mark::Text {
                    x,
                    y: FOOTER_BASELINE,
                    run,
                },
            );
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|error| DocumentError::Pdf(format!("{error:?}")))
}

fn draw(surface: &mut Surface<'_>, fonts: &Fonts, mark: Mark) {
    match mark {
        Mark::Text { x, y, run } => {
            let shade = if run.style.muted { 80 } else { 0 };
            surface.set_fill(Some(gray(shade)));
            let font = fonts.face(run.style).pdf.clone();
            surface.draw_glyphs(
                Point::from_xy(x, y),
                &run.glyphs,
                font,
                &run.text,
                run.style.size,
                false,
            );
        }
        Mark::Fill {
            rect: (x, y, w, h),
            shade,
        } => {
            let mut builder = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(x, y, w, h) {
                builder.push_rect(rect);
            }
            if let Some(path) = builder.finish() {
                surface.set_fill(Some(gray(shade)));
                surface.draw_path(&path);
            }
        }
    }
}

fn gray(shade: u8) -> Fill {
    Fill {
        paint: luma::Color::new(shade).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::invoice::tests::{
        draft, issued, line, standard, worked_case, TRAINING_EXEMPTION,
    };
    use crate::domain::chain::DocumentKind;
    use crate::domain::invoice::{Quantity, VatRate};

    fn rendered(doc: &Invoice) -> Vec<u8> {
        pdf(doc).expect("the document renders")
    }

    fn pages_of(bytes: &[u8]) -> Vec<String> {
        pdf_extract::extract_text_from_mem_by_pages(bytes).expect("the text is extractable")
    }

    fn text_of(bytes: &[u8]) -> String {
        pages_of(bytes).concat()
    }

    fn assert_shows(text: &str, expected: &[&str]) {
        for wanted in expected {
            assert!(text.contains(wanted), "{wanted:?} missing from:\n{text}");
        }
    }

    #[test]
    fn the_worked_case_prints_what_art_226_asks() {
        let bytes = rendered(&worked_case());
        assert!(bytes.starts_with(b"%PDF-"));
        let text = text_of(&bytes);
        assert_shows(
            &text,
            &[
                "Invoice",
                "F2026-000042",
                "Issue date",
                "2026-12-01",
                "Due date",
                "2026-12-31",
                "1–30 November 2026",
                "Taller Cooperatiu SCCL",
                "Tax id: F12345678",
                "Carrer del Taller 5, 08001 Barcelona",
                "Marta Puig",
                "Tax id: 12345678Z",
                "Plaça Major 3, 17001 Girona",
                "Laser cutter (member rate)",
                "1.50 h",
                "25.17 €",
                "21 %",
                "37.76 €",
                "26.80 €",
                "5.50 €",
                "70.06 €",
                "14.71 €",
                "84.77 €",
                "Thank you for making things with us.",
                "Page 1 of 1",
            ],
        );
        assert!(!text.contains("DRAFT"));
    }

    #[test]
    fn fonts_are_embedded_subsets_and_no_standard_font_is_used() {
        let bytes = rendered(&worked_case());
        let raw = String::from_utf8_lossy(&bytes);
        assert!(raw.contains("/FontFile2") || raw.contains("/FontFile3"));
        assert!(raw.contains("/ToUnicode"));
        assert!(raw.contains("DejaVuSans"), "the font is named");
        for standard in ["Helvetica", "Times-", "Courier", "Symbol", "ZapfDingbats"] {
            assert!(
                !raw.contains(&format!("/BaseFont /{standard}")),
                "{standard}"
            );
        }
        // Subsetted: far smaller than the two fonts it uses (about 1.4 MB together).
        assert!(bytes.len() < 100_000, "{} bytes", bytes.len());
    }

    #[test]
    fn the_same_document_renders_to_the_same_bytes() {
        assert_eq!(rendered(&worked_case()), rendered(&worked_case()));
        let mut other = worked_case();
        other.number = Some("F2026-000043".into());
        assert_ne!(rendered(&worked_case()), rendered(&other));
    }

    #[test]
    fn three_hundred_lines_paginate_with_the_totals_on_the_last_page() {
        let lines = (1..=300)
            .map(|n| {
                line(
                    n,
                    Quantity::Minutes(30 + 3 * (n as i64 % 40)),
                    "25.17",
                    standard(),
                )
            })
            .collect();
        let doc = issued(lines);
        let total = format!("{} €", doc.totals.total());
        let pages = pages_of(&rendered(&doc));
        let count = pages.len();
        assert!(count >= 5, "{count} pages");
        for (index, page) in pages.iter().enumerate() {
            assert_shows(
                page,
                &[
                    &format!("Page {} of {count}", index + 1),
                    "Description",
                    "Net",
                ],
            );
        }
        assert_shows(&pages[count - 1], &["Total", &total, "Line 300:"]);
        assert!(
            !pages[0].contains(&total),
            "the total is not on the first page"
        );
        assert!(pages[1].contains("(continued)"));
    }

    #[test]
    fn an_exempt_rate_prints_its_legal_reference() {
        let exempt = VatRate::exempt(TRAINING_EXEMPTION).expect("exempt");
        let doc = issued(vec![
            line(1, Quantity::Count(1), "120", exempt),
            line(2, Quantity::Count(1), "10", standard()),
        ]);
        let text = text_of(&rendered(&doc));
        assert_shows(
            &text,
            &[
                "0 %",
                "Exempt: Art. 20.1.9 Ley 37/1992",
                "120.00 €",
                "132.10 €",
            ],
        );
    }

    #[test]
    fn a_credit_note_names_the_invoice_it_corrects() {
        let mut doc = worked_case();
        doc.kind = DocumentKind::CreditNote;
        doc.number = Some("R2026-000004".into());
        doc.corrects = Some("F2026-000042".into());
        let text = text_of(&rendered(&doc));
        assert_shows(
            &text,
            &[
                "Credit note",
                "R2026-000004",
                "Corrects invoice",
                "F2026-000042",
            ],
        );
    }

    #[test]
    fn a_draft_renders_marked_as_a_draft() {
        let text = text_of(&rendered(&draft()));
        assert_shows(&text, &["DRAFT", "not a valid invoice", "84.77 €"]);
    }

    #[test]
    fn long_descriptions_wrap_and_are_cut_with_an_ellipsis() {
        let fonts = Fonts::load().expect("fonts");
        let mut doc = worked_case();
        doc.lines[0].description = "A very long description of machine time ".repeat(20);
        doc.lines[1].description = "x".repeat(400);
        let printed = Printed::of(&doc);
        let layout = Layout::new(&fonts, &printed);
        for line in &printed.lines[..2] {
            let wrapped = layout.description(line.description);
            assert_eq!(wrapped.len(), MAX_DESCRIPTION_LINES);
            assert!(wrapped
                .iter()
                .all(|l| fonts.width(CELL, l) <= DESCRIPTION_WIDTH));
            assert!(wrapped[MAX_DESCRIPTION_LINES - 1].ends_with('…'));
        }
        let short = layout.description("Laser cutter");
        assert_eq!(short, ["Laser cutter"]);
        let text = text_of(&rendered(&doc));
        assert_shows(&text, &["A very long description", "84.77 €"]);
    }
}
