# language: es
@gaps
Característica: Brechas de coordinación — PROSPERA, PROINPRO y el STEIA (2016-2018)
  El reporte de brechas del caso STEIA, tal como lo describe el análisis institucional (004): una
  instancia coordinadora sin presupuesto, sin reglas de operación y sin representantes con poder de
  decisión; una cláusula de las reglas de operación que pedía convocatorias específicas y quedó en
  convocatorias ordinarias; un componente productivo sin presupuesto propio; y un cierre anticipado
  sin aviso a los grupos.

  Antecedentes:
    Dado el caso de coordinación "steia"
    Y existe el compromiso "clausula-rop-2015" de "pdp" a "prospera"

  Escenario: El STEIA aparece como instancia coordinadora sin capacidades
    Cuando se genera el reporte de brechas
    Entonces el reporte contiene una brecha de tipo "weak_coordinating_body" sobre "steia"
    Y la brecha de tipo "Instancia coordinadora sin capacidades" tiene gravedad alta

  Escenario: De 17 programas esperados solo 2 dieron apoyo
    Cuando se genera el reporte de brechas
    Entonces el reporte contiene una brecha de tipo "linkage_not_realised" sobre "otros-sin-apoyo"
    Y la brecha de tipo "linkage_not_realised" menciona el compromiso "vinc-sin-apoyo"

  Escenario: La cláusula de las reglas de operación de 2015 quedó sin efecto
    Cuando se genera el reporte de brechas
    Entonces el reporte contiene una brecha de tipo "binding_not_honoured" sobre "pdp"
    Y la brecha de tipo "binding_not_honoured" menciona el compromiso "clausula-rop-2015"

  Escenario: Si la cláusula se hubiera cumplido, el compromiso no aparecería como incumplido
    Dado el compromiso "clausula-rop-2015" está cumplido
    Cuando se genera el reporte de brechas
    Entonces el reporte no contiene brechas de tipo "binding_not_honoured" sobre "prospera"

  Escenario: El componente productivo de PROSPERA no tenía presupuesto como los de educación y salud
    Cuando se genera el reporte de brechas
    Entonces el reporte contiene una brecha de tipo "budget_asymmetry" sobre "prospera"

  Escenario: PROINPRO cerró anticipadamente sin avisar a los grupos
    Cuando se genera el reporte de brechas
    Entonces el reporte contiene una brecha de tipo "early_closure" sobre "proinpro"
    Y la brecha de tipo "early_closure" tiene gravedad alta
