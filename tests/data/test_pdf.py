import io

from pypdf import PdfReader

from traceboard.data.pdf import FAMILY, new_pdf


def test_chinese_text_is_embedded_and_extractable():
    pdf = new_pdf("测试")
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 16)
    pdf.cell(text="湘乡市 育塅乡 考核报告")
    data = bytes(pdf.output())
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text().replace(" ", "")
    assert "湘乡市育塅乡考核报告" in text
    assert b"/FontFile" in data  # the font program travels with the document
