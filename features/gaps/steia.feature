# language: es
@gaps
Característica: Brechas de coordinación — PROSPERA, PROINPRO y el STEIA (2016-2018)
  El reporte de brechas del caso STEIA: una instancia coordinadora sin presupuesto ni reglas de
  operación, vinculaciones que quedaron en acuerdos declarativos, y una cláusula de las reglas de
  operación de 2015 que no tuvo efecto.

  Antecedentes:
    Dado el caso de coordinación "steia"
    Y existe el compromiso "clausula-rop-2015" de "sedesol" a "prospera"

  Escenario: El STEIA aparece como instancia coordinadora sin capacidades
    Cuando se genera el reporte de brechas
    Entonces el reporte contiene una brecha de tipo "weak_coordinating_body" sobre "steia"
    Y la brecha de tipo "Instancia coordinadora sin capacidades" tiene gravedad alta

  Escenario: La vinculación de PROSPERA con Opciones Productivas no se realizó
    Cuando se genera el reporte de brechas
    Entonces el reporte contiene una brecha de tipo "linkage_not_realised" sobre "op"
    Y la brecha de tipo "linkage_not_realised" menciona el compromiso "vinc-op"

  Escenario: El STEIA es el único puente entre PROSPERA y sus socios
    Cuando se genera el reporte de brechas
    Entonces el reporte contiene una brecha de tipo "single_point_of_failure" sobre "steia"

  Escenario: La cláusula de las reglas de operación de 2015 quedó sin efecto
    Cuando se genera el reporte de brechas
    Entonces el reporte contiene una brecha de tipo "binding_not_honoured" sobre "sedesol"
    Y la brecha de tipo "binding_not_honoured" menciona el compromiso "clausula-rop-2015"

  Escenario: Si la cláusula se hubiera cumplido, no habría compromiso vinculante incumplido
    Dado el compromiso "clausula-rop-2015" está cumplido
    Cuando se genera el reporte de brechas
    Entonces el reporte no contiene brechas de tipo "binding_not_honoured"

  Escenario: La población de PROSPERA encaja poco con la de sus socios
    Cuando se genera el reporte de brechas
    Entonces el reporte contiene una brecha de tipo "target_mismatch" sobre "prospera"
