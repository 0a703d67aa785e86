import subprocess

from traceboard.files.pdf import FAMILY, new_pdf


def pdf_text(data: bytes) -> str:
    """Text of a PDF as poppler's pdftotext (what viewers' copy-and-paste gives) extracts it."""
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode()


def test_chinese_text_is_embedded_and_extractable():
    pdf = new_pdf("测试")
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 16)
    pdf.cell(text="湘乡市 育塅乡 考核报告")
    pdf.ln(10)
    pdf.set_font(FAMILY, "", 11)
    pdf.cell(text="得分 87.5 良好")
    data = bytes(pdf.output())
    text = pdf_text(data)
    assert "湘乡市 育塅乡 考核报告" in text and "得分 87.5 良好" in text
    assert b"/FontFile" in data  # the font program travels with the document
