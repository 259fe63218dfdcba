# NTM Survey — tiếng Việt (ngôn ngữ mặc định).
# Mỗi mã ở đây phải có trong en.ftl và ngược lại (kiểm tra trong ntm-i18n).

## Khung ứng dụng

app-title = Khảo sát Nông thôn mới
language = Ngôn ngữ
tab-survey = Khảo sát hộ
tab-infrastructure = Hạ tầng, xác nhận
tab-scorecard = Chấm điểm xã
tab-province = Toàn tỉnh
tab-appraisal = Thẩm định xã
watching-district = Huyện · theo dõi các xã của huyện
watching-department = Sở, ngành · thẩm định các tiêu chí của ngành
watching-office = Văn phòng Điều phối NTM tỉnh
watching-admin = Quản trị hệ thống
loading-local-data = Đang mở dữ liệu trên máy…
local-data-failed = Không mở được dữ liệu trên máy; chưa có gì bị thay đổi.
pick-household = Chọn một hộ trong danh sách để mở phiếu hộ, hoặc bấm “+ Thêm hộ”.
succeeded-by = { $commune } đã sáp nhập vào { $successor } từ ngày { $on }: hộ và hạ tầng của xã đã được chuyển sang { $successor }. Hãy đồng bộ những gì còn trên máy, rồi nhờ quản trị đăng ký máy cho { $successor }.
storage-at-risk = Trình duyệt có thể xoá dữ liệu của ứng dụng khi máy thiếu chỗ: hãy đồng bộ thường xuyên, hoặc cài ứng dụng lên màn hình chính.
store-unavailable = Không mở được bộ nhớ máy (IndexedDB): { $error }
stored-unreadable = Không đọc được dữ liệu đã lưu: { $error }
set-aside-failed = Không cất riêng được dữ liệu hỏng: { $error }

## Đồng bộ

sync-offline = Ngoại tuyến
sync-syncing = Đang đồng bộ…
sync-up-to-date = Đã đồng bộ
unconfirmed = { $count ->
    [0] Mọi thay đổi đã lên máy chủ
   *[other] { $count } thay đổi chưa lên máy chủ
}
photos-waiting = { $count } ảnh chờ tải lên
last-sync = Đồng bộ lần cuối: { $at }
offline-ready = ✓ Dùng được khi mất mạng
problem-set-aside = { $count } phần dữ liệu đã lưu không đọc được: đã cất riêng (không xoá), mọi dữ liệu khác vẫn mở.
problem-not-saved = Chưa lưu được vào máy (bộ nhớ trình duyệt từ chối ghi); ứng dụng sẽ tự thử lại, đừng đóng ứng dụng.
problem-remote = Máy chủ báo lỗi: { $message }
problem-device-refused = Máy chủ từ chối thiết bị này: { $reason }

## Đăng ký thiết bị

enrol-title = Đăng ký thiết bị
enrol-intro = Máy chủ này chỉ nhận thiết bị đã đăng ký. Nhập mã đăng ký do quản trị viên cấp (dùng một lần).
enrol-relay = Địa chỉ máy chủ
enrol-code = Mã đăng ký
enrol-name = Tên thiết bị
enrol-name-example = Máy tính bảng 3 — xã Tả Van
enrol-busy = Đang đăng ký…
enrol-submit = Đăng ký
enrol-bad-reply = Máy chủ trả lời không đúng dạng: { $error }
relay-needs-https = Địa chỉ máy chủ phải bắt đầu bằng https://

## Trao đổi qua tệp

bundle-title = Trao đổi qua tệp, không cần mạng
bundle-intro = Xuất dữ liệu của máy này ra tệp (gửi qua USB, Zalo, Bluetooth…), hoặc nhập tệp từ máy khác của cùng xã.
bundle-export = Xuất tệp
bundle-import = Nhập tệp…
bundle-saved = Đã lưu tệp { $file }: chuyển sang máy khác rồi bấm “Nhập tệp” ở máy đó.
bundle-not-written = Không tạo được tệp: { $error }
bundle-nothing-to-export = Chưa có dữ liệu để xuất.
bundle-nothing-new = Không có gì mới: máy này đã có mọi thay đổi trong tệp.
bundle-imported = Đã nhập và lưu { $count } thay đổi mới { $photos ->
    [0] từ tệp.
   *[other] và { $photos } ảnh từ tệp.
}
bundle-not-a-bundle = Tệp này không phải tệp đồng bộ của ứng dụng.
bundle-damaged = Tệp đồng bộ bị hỏng, không nhập gì ({ $reason }).
bundle-other-commune = Tệp này là dữ liệu của { $theirs }, máy này khảo sát { $ours }: không nhập.

## Danh sách hộ

households-title = Danh sách hộ
add-household-open = + Thêm hộ
add-household-title = Thêm hộ gia đình
add-household-submit = Thêm hộ
saving = Đang lưu…
cancel = Thôi
saved-on-device = Đã lưu trên máy
search-placeholder = Tìm theo tên chủ hộ hoặc thành viên (gõ không dấu cũng được)
search-label = Tìm hộ
filter-label = Lọc
filter-all = Tất cả
filter-not-surveyed = Chưa khảo sát
filter-incomplete = Chưa đủ thông tin
filter-poor = Nghèo, cận nghèo
filter-conflicts = Cần chọn giá trị
households-shown = { $count ->
    [0] Không có hộ nào khớp.
   *[other] { $count } hộ · xếp theo tên chủ hộ
}
villages-label = Thôn, bản
villages-all = Mọi thôn
village-unknown = (chưa ghi thôn)
progress-not-surveyed = Chưa khảo sát
progress-incomplete = Đã ghi { $answered }/{ $of } mục
progress-complete = Đã đủ thông tin
poverty-short-poor = Hộ nghèo
poverty-short-near-poor = Cận nghèo
members-count = { " · " }{ $count } nhân khẩu
conflicts-count = ⚠ { $count } cần chọn
created-on = Ghi lần đầu ngày { $date }
conflict-pick = Hai máy nhập khác nhau, chọn một:{ " " }
not-saved-refused = Không lưu được: { $error }
not-saved-yet = Chưa lưu được vào máy ({ $reason }); ứng dụng sẽ tự thử lại, đừng đóng ứng dụng.

## Tên trường và kiểm tra dữ liệu

field-head = Tên chủ hộ
field-members = Số nhân khẩu
field-village = Thôn, bản
field-name = Tên
field-by = Người xác nhận
field-length-km = Chiều dài (km)
field-area-ha = Diện tích (ha)
field-irrigated-ha = Diện tích được tưới (ha)
field-households = Số hộ
field-safe-households = Số hộ dùng điện an toàn
field-member-name = Tên thành viên
field-birth-year = Năm sinh
field-income = Thu nhập (đồng/năm)
field-income-source = Nguồn thu nhập
field-gps = Tọa độ GPS (trong lãnh thổ Việt Nam)
field-created-at = Ghi lần đầu
field-note = Ghi chú minh chứng
field-roster = Số thành viên
field-other = Trường
invalid-required = { $field } không được để trống.
invalid-too-long = { $field } dài quá { $max } ký tự.
invalid-members = Số nhân khẩu phải từ 1 đến { $max } (đã nhập { $given }).
invalid-out-of-range = { $field } nằm ngoài khoảng hợp lý.
invalid-part-exceeds-whole = { $field } không được lớn hơn tổng.

## Phiếu hộ

back-to-list = ← Danh sách
record-title = Phiếu hộ: { $head }
section-household = Thông tin chung
section-members = Thành viên
section-income = Thu nhập trong năm
section-living = Nhà ở, nước, vệ sinh, thông tin
section-gps = Vị trí
section-photos = Ảnh
photos-title = Ảnh
photos-none = Chưa có ảnh.
photo-add = Chụp hoặc chọn ảnh
photo-saving = Đang lưu ảnh…
photo-waiting = Chờ tải lên
photo-not-here = Ảnh chưa có trên máy này (cần mạng)
photo-alt = Ảnh chụp lúc { $at }
photo-close = Đóng
photo-remove = Bỏ ảnh này
photo-not-an-image = Tệp này không phải ảnh mà máy đọc được.
photo-not-encoded = Không tạo được ảnh JPEG từ tệp này.
photo-missing-on-device = Ảnh không còn trên máy này.
yes = Có
no = Không
not-recorded = — chưa ghi —
remove = Xóa
per-year = đ/năm
income-per-person = Thu nhập bình quân: { $amount }/người/tháng ·{ " " }
deprivations = Thiếu hụt dịch vụ cơ bản: { $count } ·{ " " }
poverty-unknown = Chưa đủ dữ liệu để phân loại
poverty-standard = { " · " }theo { $standard }
poverty-poor = Hộ nghèo
poverty-near-poor = Hộ cận nghèo
poverty-not-poor = Không nghèo
standard-decree-07-2021 = Nghị định 07/2021/NĐ-CP (áp dụng đến hết năm 2026 theo Nghị định 351/2025/NĐ-CP)
standard-decree-351-2025 = Nghị định 351/2025/NĐ-CP (giai đoạn 2027–2030)
field-housing = Loại nhà
field-water = Nguồn nước
field-sanitation = Nhà tiêu
field-internet = Dùng Internet
field-digital-services = Dùng dịch vụ số (dịch vụ công trực tuyến, thanh toán điện tử)
field-waste-treated = Rác thải sinh hoạt được thu gom, xử lý
housing-permanent = Nhà kiên cố
housing-semi-permanent = Nhà bán kiên cố
housing-flimsy = Nhà thiếu kiên cố
housing-makeshift = Nhà đơn sơ, tạm
water-piped = Nước máy, nước sạch tập trung
water-treated-well = Giếng khoan, giếng đào có xử lý
water-untreated = Sông suối, nước tự chảy không xử lý
sanitation-flush = Tự hoại, bán tự hoại
sanitation-improved-pit = Hai ngăn, chìm có ống thông hơi
sanitation-unimproved = Không hợp vệ sinh hoặc không có
member-name = Họ tên
member-sex = Giới tính
member-insured = BHYT
member-in-school = Đang đi học
member-employed = Có việc làm
sex-male = Nam
sex-female = Nữ
add-member = Thêm thành viên
add-income = Thêm nguồn thu
income-source-crops = trồng trọt
income-source-livestock = chăn nuôi
income-source-forestry = lâm nghiệp
income-source-wages = tiền lương, tiền công
income-source-tourism = du lịch, dịch vụ
income-source-allowances = trợ cấp, lương hưu
income-source-other = khác
gps-lat = Vĩ độ
gps-lon = Kinh độ
gps-locating = Đang định vị…
gps-locate = Lấy vị trí hiện tại
gps-unsupported = Trình duyệt không hỗ trợ định vị
gps-unavailable = Không lấy được vị trí (đã từ chối hoặc không có tín hiệu)
gps-bad = Vị trí không hợp lệ
relay-unreachable = Không kết nối được máy chủ

## Hạ tầng và chỉ tiêu xã tự xác nhận

infra-add-title = Thêm công trình
infra-kind = Loại
infra-name = Tên công trình
infra-add = Thêm
infra-title = Công trình hạ tầng
infra-note-placeholder = Biên bản, số hiệu văn bản, ghi chú
infra-kind-road = Đường giao thông
infra-kind-school = Trường học
infra-kind-cultural-house = Nhà văn hóa
infra-kind-market = Chợ
infra-kind-irrigation = Công trình thủy lợi
infra-kind-power = Điện
infra-hardened-check = Đã cứng hóa
infra-up-to-standard-check = Đạt chuẩn
infra-not-judged = chưa đánh giá
infra-hardened = đã cứng hóa
infra-not-hardened = chưa cứng hóa
infra-up-to-standard = đạt chuẩn
infra-not-up-to-standard = chưa đạt chuẩn
infra-road-state = { $km } km, { $state }
infra-irrigation-state = { $irrigated } / { $area } ha được tưới
infra-power-state = { $safe } / { $households } hộ dùng điện an toàn
evidence = Minh chứng
evidence-edit = Ảnh, vị trí, ghi chú
evidence-photos = Ảnh, vị trí ({ $count } ảnh)
photos-count = { $count } ảnh
gps-recorded = có vị trí
state = Hiện trạng
indicator = Chỉ tiêu
attest-title = Chỉ tiêu xã tự xác nhận
attest-by-placeholder = Họ tên, chức vụ
attest-note-placeholder = Văn bản, biên bản…
attested-state = { $state } — { $by }, { $date }
not-attested = Chưa xác nhận
met = Đạt
not-met = Chưa đạt

## Chấm điểm xã

criteria = tiêu chí
illustrative-thresholds = Ngưỡng minh họa, chưa phải ngưỡng chính thức của phụ lục.
status-met = ✓ Đạt
status-not-met = ✗ Chưa đạt
status-missing = … Thiếu dữ liệu
appraised = Thẩm định: { $verdict } ({ $date })
gaps = Còn thiếu
gap-line = { " — " }chỉ tiêu { $indicator }: { $reason }
set-ntm = Xã nông thôn mới
set-advanced = Xã nông thôn mới nâng cao
set-modern = Xã nông thôn mới hiện đại
set-short-ntm = NTM
set-short-advanced = NTM nâng cao
set-short-modern = NTM hiện đại
level-in-year = { $level } năm { $year }
reason-attested-met = Đã xác nhận đạt, có minh chứng
reason-attested-not-met = Xã xác nhận chưa đạt
reason-attested-missing = Chưa có xác nhận và minh chứng
reason-no-data = Chưa có số liệu khảo sát
reason-no-class = Chưa ghi vùng/nhóm của xã theo bộ tiêu chí này
reason-no-threshold = Chưa có ngưỡng cho vùng/nhóm và năm này
reason-met = { $value } đạt yêu cầu { $sign } { $threshold }{ $illustrative ->
    [yes] { " " }(ngưỡng minh họa)
   *[no] {""}
}
reason-not-met = { $value } chưa đạt yêu cầu { $sign } { $threshold }{ $illustrative ->
    [yes] { " " }(ngưỡng minh họa)
   *[no] {""}
}
verdict-met = Đạt
verdict-not-met = Không đạt
verdict-needs-evidence = Cần bổ sung minh chứng
dossier-preparing = Đang hoàn thiện hồ sơ
dossier-submitted-to-district = Đã gửi huyện
dossier-district-reviewed = Huyện đã thẩm tra
dossier-submitted-to-province = Đã gửi tỉnh thẩm định
dossier-appraised = Các sở đã thẩm định
dossier-recognised = Đã công nhận
history-verdict = tiêu chí { $criterion } ({ $catalog }) — { $verdict }
history-district-approved = Huyện thẩm tra: đề nghị công nhận
history-district-not-approved = Huyện thẩm tra: chưa đề nghị
history-dossier = Hồ sơ: { $state }
party-district-or-office = Huyện / Văn phòng Điều phối
registry-not-arrived = Chưa nhận được danh mục hành chính của tỉnh (sẽ tự cập nhật khi có mạng).
formed-from = { $from }, từ { $of } · đánh giá lại, không kế thừa công nhận cũ
unit-kind = Loại đơn vị
unit-kind-commune = Xã
unit-kind-ward = Phường
unit-kind-special-zone = Đặc khu
formed = Hình thành
region-2021 = Vùng (2021–2025)
region-tdmnpb = Trung du và miền núi phía Bắc
region-dbsh = Đồng bằng sông Hồng
region-btb = Bắc Trung Bộ
region-dhntb = Duyên hải Nam Trung Bộ
region-tn = Tây Nguyên
region-dnb = Đông Nam Bộ
region-dbscl = Đồng bằng sông Cửu Long
commune-group-2026 = Nhóm xã (2026–2030)
recognised = Đã công nhận
not-yet = Chưa
target = Mục tiêu
sponsor = Sở đỡ đầu
leader = Lãnh đạo phụ trách
dossier = Hồ sơ
no-dossier = Chưa lập hồ sơ
appraisal-history = Lịch sử thẩm định

## Toàn tỉnh

province-title = Bảng điều hành tỉnh
synthetic-data = Dữ liệu mẫu tổng hợp, ngưỡng minh họa — không phải số liệu thật.
province-scoring = Đang tính điểm các đơn vị…
province-from-summary = Theo bản tổng hợp của máy chủ: mỗi xã được tính lại ngay khi dữ liệu của xã đồng bộ lên.
province-waiting = Đang chờ bản tổng hợp của tỉnh từ máy chủ…
group = Nhóm
group-all = Tất cả đơn vị
group-target-ntm = Mục tiêu đạt chuẩn NTM năm nay
group-target-advanced = Mục tiêu NTM nâng cao, hiện đại năm nay
group-maintaining = Đã công nhận, đang duy trì
group-to-reassess = Sáp nhập, cần đánh giá lại
group-at-risk = Có nguy cơ không duy trì
matrix-set = Bộ tiêu chí
target-progress = { $set } { $year }: { $meeting }/{ $target } xã đạt đủ tiêu chí, { $recognised } đã công nhận
no-targets = Chưa có xã nào đăng ký mục tiêu năm { $year }.
average-met = Bình quân { $average }/{ $total } tiêu chí { $set } mỗi đơn vị trong nhóm.
matrix-legend = ✓ đạt · ✗ chưa đạt · ? thiếu dữ liệu; chữ nhỏ là kết quả thẩm định của sở, ngành: Đ đạt, K không đạt, B cần bổ sung minh chứng.
matrix-appraisal = Sở, ngành thẩm định
not-scored-yet = Chưa có số liệu tổng hợp
verdict-mark-met = Đ
verdict-mark-not-met = K
verdict-mark-needs-evidence = B
province-totals = Ngày { $date }: { $communes } đơn vị cấp xã · đạt đủ tiêu chí NTM hiện hành: { $ntm_now } · đã công nhận: { $recognised } · có nguy cơ không duy trì: { $at_risk } · cần đánh giá lại sau sáp nhập: { $to_reassess } · mục tiêu { $year }: { $target_ntm } NTM, { $target_advanced } NTM nâng cao, { $target_modern } NTM hiện đại
before-reform = Trước sắp xếp (30/06/2025)
unit = Đơn vị
old-district = Huyện (cũ)
standing = Tình trạng
at-risk = ⚠ Có nguy cơ
standing-not-recognised = Chưa công nhận
standing-succeeded = Đã sáp nhập vào { $by } từ { $on }
standing-predecessor-not-met = { $name }: chưa đạt
standing-to-reassess = Cần đánh giá lại (trước sáp nhập — { $before })

## Các hộ đứng sau một chỉ tiêu chưa đạt

gap-households = { $count } hộ →
scope-label = chỉ tiêu { $indicator } ({ $set })
scope-households = Chỉ các hộ còn thiếu ở { $label }: { $count } hộ
scope-clear = ✕ Bỏ lọc

## Giá trị do hai máy nhập khác nhau

decisions-title = Cần chọn giá trị
decisions-of = Cần chọn giá trị: { $name }
decisions-hint = Hai máy nhập khác nhau khi chưa đồng bộ. Không giá trị nào bị mất: chạm vào giá trị đúng để giữ.
decision-member = Thành viên { $name }: { $field }
decision-income = Thu nhập: { $source }
decide-above = chọn giá trị ở trên
this-device = Máy này
history-title = Lịch sử thay đổi
history-hint = Mỗi giá trị đã ghi vào từng trường: ai ghi, trên máy nào, lúc nào (mới nhất trước).
history-empty = Chưa có thay đổi nào.
history-field = Trường
history-value = Giá trị
history-who = Máy ghi
history-more = Còn { $count } thay đổi cũ hơn.
other-device = Máy khác ({ $id })
move-up = Lên trên
move-down = Xuống dưới
field-position = Thứ tự

## Phiên bản mới

new-version = Đã có phiên bản mới của ứng dụng. Mọi dữ liệu đã lưu trên máy, kể cả những gì chưa đồng bộ.
new-version-reload = Dùng phiên bản mới
store-newer-version = Dữ liệu trên máy này do một phiên bản mới hơn của ứng dụng lưu. Không có gì bị xoá: hãy mở lại ứng dụng khi có mạng để dùng phiên bản mới.
indicator-named = Chỉ tiêu { $indicator }
note = Ghi chú
time = Thời điểm
gap-works = { $count ->
    [0] Xem công trình →
   *[other] { $count } công trình chưa đạt →
}
gap-attestation = Xác nhận chỉ tiêu này →

## Appraisal (drill-down into one commune)
appraisal-title = Xem và thẩm định một xã
appraisal-commune = Xã, phường
appraisal-pick-commune = — Chọn xã —
appraisal-none-owned = Đơn vị của bạn không phụ trách tiêu chí nào trong bộ này.
appraisal-statement = (xác nhận bởi { $by }, { $date })
appraisal-photos = { $count ->
    [one]  · 1 ảnh
   *[other]  · { $count } ảnh
}
appraisal-your-verdict = Kết quả thẩm định của đơn vị
appraisal-remark = Nhận xét (bắt buộc khi chưa đạt)
appraisal-record = Ghi kết quả thẩm định
appraisal-saved = Đã lưu trên máy; sẽ gửi khi có mạng.
appraisal-remark-required = Cần ghi nhận xét khi tiêu chí chưa đạt hoặc cần bổ sung minh chứng.
appraisal-no-commune = Chưa mở xã nào.
appraisal-not-owner = Tiêu chí { $criterion } do { $owner } thẩm định, không phải đơn vị của bạn.
appraisal-not-received = Hồ sơ của xã đang tải về từ máy chủ; ghi kết quả thẩm định khi đã tải xong.

## Exports (the relay's files; `ntm_core::export`)
export-sheet-matrix = Ma trận tiêu chí
export-title-matrix = Kết quả từng tiêu chí của các xã, phường — { $set ->
    [ntm] xã nông thôn mới
    [advanced] xã nông thôn mới nâng cao
   *[modern] xã nông thôn mới hiện đại
} ({ $catalog })
export-code = Mã đơn vị
export-name = Tên đơn vị
export-district = Huyện
export-standing = Tình trạng công nhận
export-target = Mục tiêu
export-met = Số tiêu chí đạt
export-total = Tổng số tiêu chí
export-target-of = { $set ->
    [ntm] NTM
    [advanced] NTM nâng cao
   *[modern] NTM hiện đại
} { $year }
export-cell = { $status ->
    [met] Đạt
    [not-met] Chưa đạt
   *[missing] Thiếu dữ liệu
}{ $verdict ->
    [met] {" "}(thẩm định: đạt)
    [not-met] {" "}(thẩm định: không đạt)
    [needs-evidence] {" "}(thẩm định: cần bổ sung minh chứng)
   *[none] {""}
}
export-standing-recognised = Đã công nhận { $set ->
    [ntm] NTM
    [advanced] NTM nâng cao
   *[modern] NTM hiện đại
} { $year }
export-standing-not-recognised = Chưa công nhận
export-standing-succeeded = Đã sáp nhập vào { $by }
export-standing-to-reassess = Hình thành sau sáp nhập, cần đánh giá lại
export-as-of = Số liệu đến ngày { $date }
export-synthetic = Dữ liệu mẫu (tổng hợp), không phải số liệu thật.
export-download = Tải bảng Excel
export-download-csv = Tải CSV
export-failed = Không tải được bảng: { $reason }
